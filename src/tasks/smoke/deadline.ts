/** Raised inside the probe when its own deadline passes; the probe turns it into a verdict or an error. */
export class ProbeDeadlineReached extends Error {
  constructor() {
    super('the probe deadline passed');
  }
}

export interface Guard {
  signal: AbortSignal;
  /** Settles like `promise`, or rejects as soon as the guard fires (deadline or outer abort). */
  race<T>(promise: Promise<T>): Promise<T>;
  dispose(): void;
}

/**
 * A deadline for one stretch of work that also fires when `outer` aborts (SIGTERM, the runner's
 * deadline). kafkajs calls cannot be cancelled, so the guard stops waiting for them instead.
 */
export function createGuard(outer: AbortSignal, deadlineAt: number, now: () => number = Date.now): Guard {
  const controller = new AbortController();
  const onOuter = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onOuter, { once: true });
  if (outer.aborted) onOuter();
  const timer = setTimeout(() => controller.abort(new ProbeDeadlineReached()), Math.max(0, deadlineAt - now()));
  const fired = new Promise<never>((_, reject) => {
    const onAbort = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', onAbort, { once: true });
    if (controller.signal.aborted) onAbort();
  });
  // Nobody may be racing when it fires; that must not surface as an unhandled rejection.
  fired.catch(() => undefined);
  return {
    signal: controller.signal,
    race: (promise) => Promise.race([promise, fired]),
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuter);
    },
  };
}

/** Waits at most `ms` for `promise`; a rejection or the timeout comes back as { ok: false }, never thrown. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; error: unknown }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: new Error(`no answer within ${ms} ms`) }), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise.then((value) => ({ ok: true as const, value })).catch((error: unknown) => ({ ok: false as const, error })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
