/**
 * Waiting: pauses that end early when a run is stopped, deadlines on promises that cannot be
 * cancelled, and a bound on calls in flight. Built on timers/promises and AbortSignal.timeout /
 * AbortSignal.any, so no timer or abort listener outlives its wait.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(Math.max(0, ms), undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

/**
 * Settles with the promise, or rejects with the signal's reason when it aborts first. The promise
 * itself runs on (kafkajs requests cannot be cancelled); its late rejection is observed.
 */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    throw signal.reason;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
    promise.catch(() => undefined);
  }
}

/** Like untilAborted with a deadline of `ms` (AbortSignal.timeout: the reason is a TimeoutError), also ending with `signal`. */
export function withinMs<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(Math.max(0, ms));
  return untilAborted(promise, signal ? AbortSignal.any([timeout, signal]) : timeout);
}

/** The outcome of a promise given at most `ms`, never rejecting: for cleanup steps that must not hold up the rest. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await withinMs(promise, ms) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Maps items with at most `limit` calls in flight; results keep the input order. The first
 * failure rejects once the calls already started have settled, so nothing runs on unobserved.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
