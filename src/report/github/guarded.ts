import type { SynchookError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { GitHubClient } from './client.js';
import { gitHubError } from './errors.js';

export interface GuardedCallsOptions {
  client: GitHubClient;
  required: boolean;
  /** Budget of one call, retries included. */
  timeoutMs: number;
  log: Logger;
  /** After this signal aborts, calls get what is left of the shutdown budget. */
  signal?: AbortSignal;
  shutdownBudgetMs?: number;
}

export interface GuardedCalls {
  /** Runs calls one after another, each within its budget; a failure is logged and kept, never thrown. */
  run<T>(action: string, body: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
  failures: SynchookError[];
}

/** Sequential GitHub calls for the deployment and check-run reporters: bounded, logged, never thrown. */
export function guardedCalls(options: GuardedCallsOptions): GuardedCalls {
  const failures: SynchookError[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let abortedAt: number | undefined;
  options.signal?.addEventListener('abort', () => (abortedAt = Date.now()), { once: true });
  const budget = () => (abortedAt === undefined ? options.timeoutMs : Math.max(100, Math.min(options.timeoutMs, abortedAt + (options.shutdownBudgetMs ?? 3_000) - Date.now())));

  const attempt = async <T>(action: string, body: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> => {
    const controller = new AbortController();
    const ms = budget();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        body(controller.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const timeout = Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });
            controller.abort(timeout);
            reject(timeout);
          }, ms);
        }),
      ]);
    } catch (error) {
      const failure = gitHubError(error, { apiUrl: options.client.apiUrl, repository: `${options.client.owner}/${options.client.repo}`, action });
      failures.push(failure);
      if (options.required) options.log.error({ error: failure.message }, 'reporting to GitHub failed, and report.github.required is set: the run will fail');
      else options.log.warn({ error: failure.message }, 'reporting to GitHub failed; the run goes on (report.github.required is false)');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    failures,
    run(action, body) {
      const next = chain.then(() => attempt(action, body));
      chain = next;
      return next;
    },
  };
}
