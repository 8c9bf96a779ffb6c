/** A counting semaphore: at most `limit` bodies run at once, the rest wait in arrival order. */
export function limiter(limit: number): <T>(body: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  return async <T>(body: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await body();
    } finally {
      release();
    }
  };
}

/**
 * Runs one job per item, each after the jobs of the items it depends on, with at most `limit` in
 * flight. A job waits for its dependencies before it takes a slot, so waiting never blocks a slot.
 * Items must come in an order where dependencies precede dependents (no cycles).
 */
export async function runInDependencyOrder<Item, Result>(
  items: readonly Item[],
  options: { limit: number; key: (item: Item) => string; dependencies: (item: Item) => string[] },
  job: (item: Item, done: ReadonlyMap<string, Result>) => Promise<Result>,
): Promise<{ results: Map<string, Result>; failures: Map<string, unknown> }> {
  const run = limiter(options.limit);
  const started = new Map<string, Promise<Result>>();
  const results = new Map<string, Result>();
  for (const item of items) {
    const key = options.key(item);
    const dependencies = options.dependencies(item).map((dependency) => started.get(dependency)).filter((promise): promise is Promise<Result> => promise !== undefined);
    const promise = Promise.all(dependencies).then(
      () =>
        run(async () => {
          const result = await job(item, results);
          results.set(key, result);
          return result;
        }),
      () => {
        throw new DependencyFailed(key);
      },
    );
    started.set(key, promise);
  }
  // Every job settles before returning: nothing keeps running behind the caller's back.
  const settled = await Promise.allSettled(started.values());
  const failures = new Map<string, unknown>();
  [...started.keys()].forEach((key, index) => {
    const outcome = settled[index]!;
    if (outcome.status === 'rejected' && !(outcome.reason instanceof DependencyFailed)) failures.set(key, outcome.reason);
  });
  return { results, failures };
}

/** A job skipped because a job it depends on failed; not reported as a failure of its own. */
class DependencyFailed extends Error {}
