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

export { settleWithin } from '../../timing.js';
