import { describe, expect, it } from 'vitest';
import { ProbeDeadlineReached, createGuard, settleWithin } from '../../../src/tasks/smoke/deadline.js';

describe('probe deadline', () => {
  it('stops waiting for a call that never ends when the deadline passes', async () => {
    const guard = createGuard(new AbortController().signal, Date.now() + 50);
    await expect(guard.race(new Promise(() => undefined))).rejects.toBeInstanceOf(ProbeDeadlineReached);
    guard.dispose();
  });

  it('passes results through before the deadline', async () => {
    const guard = createGuard(new AbortController().signal, Date.now() + 5_000);
    await expect(guard.race(Promise.resolve(3))).resolves.toBe(3);
    await expect(guard.race(Promise.reject(new Error('kafka said no')))).rejects.toThrow('kafka said no');
    guard.dispose();
  });

  it('fires with the outer reason on SIGTERM or the runner deadline', async () => {
    const outer = new AbortController();
    const guard = createGuard(outer.signal, Date.now() + 5_000);
    const waiting = guard.race(new Promise(() => undefined));
    const reason = new Error('terminated by SIGTERM');
    outer.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    guard.dispose();
  });

  it('bounds cleanup calls and never throws', async () => {
    expect(await settleWithin(new Promise(() => undefined), 20)).toMatchObject({ ok: false });
    expect(await settleWithin(Promise.reject(new Error('x')), 1_000)).toMatchObject({ ok: false });
    expect(await settleWithin(Promise.resolve('done'), 1_000)).toEqual({ ok: true, value: 'done' });
  });
});
