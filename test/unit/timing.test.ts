import { describe, expect, it } from 'vitest';
import { mapBounded, settleWithin, sleep, untilAborted, withinMs } from '../../src/timing.js';

describe('waiting', () => {
  it('sleep ends with the abort reason as soon as the signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped');
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('withinMs rejects with a TimeoutError when the promise does not settle in time, and passes its value or error through otherwise', async () => {
    await expect(withinMs(new Promise(() => undefined), 20)).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(withinMs(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(untilAborted(Promise.reject(new Error('refused')), new AbortController().signal)).rejects.toThrow('refused');
  });

  it('settleWithin never rejects', async () => {
    await expect(settleWithin(Promise.reject(new Error('refused')), 1_000)).resolves.toMatchObject({ ok: false });
    await expect(settleWithin(new Promise(() => undefined), 20)).resolves.toMatchObject({ ok: false });
    await expect(settleWithin(Promise.resolve('done'), 1_000)).resolves.toEqual({ ok: true, value: 'done' });
  });

  it('mapBounded keeps at most n calls in flight and the input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3], 2, async (item) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await sleep(item * 5);
      inFlight -= 1;
      return item * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
