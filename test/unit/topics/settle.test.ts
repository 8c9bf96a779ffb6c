import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { waitUntilReady } from '../../../src/tasks/topics/settle.js';

const log = createLogger({ level: 'silent' });
const options = (stallTimeoutMs: number, signal = new AbortController().signal) => ({ stallTimeoutMs, signal, log, batchSize: 100, concurrency: 2 });

describe('waitUntilReady (apply waiting for the broker to serve its changes)', () => {
  it('asks in batches of at most the batch size', async () => {
    const names = Array.from({ length: 250 }, (_, index) => `t${index}`);
    const sizes: number[] = [];
    const outcome = await waitUntilReady('leaders', names, async (batch) => {
      sizes.push(batch.length);
      return { ready: batch };
    }, options(1_000));
    expect(outcome.pending).toEqual([]);
    expect(sizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
  });

  it('narrows: a topic answered ready is never asked about again', async () => {
    const names = ['a', 'b', 'c'];
    const asked: string[] = [];
    let calls = 0;
    const outcome = await waitUntilReady('leaders', names, async (batch) => {
      calls += 1;
      asked.push(...batch);
      return { ready: batch.filter((name) => name !== 'c' || calls >= 3) };
    }, options(10_000));
    expect(outcome.pending).toEqual([]);
    expect(asked).toEqual(['a', 'b', 'c', 'c', 'c']);
  });

  it('keeps waiting past the stall timeout while progress is made, and stops after the stall timeout without progress', async () => {
    const names = Array.from({ length: 8 }, (_, index) => `t${index}`);
    let ready = 0;
    const started = Date.now();
    // One more topic every 120 ms: the whole wait (~1 s) is far longer than the 400 ms stall timeout.
    const progressing = await waitUntilReady('leaders', names, async (batch) => {
      ready = Math.min(names.length, Math.floor((Date.now() - started) / 120));
      return { ready: batch.filter((name) => Number(name.slice(1)) < ready) };
    }, options(400));
    expect(progressing.pending).toEqual([]);
    expect(Date.now() - started).toBeGreaterThan(400);

    const stalled = await waitUntilReady('leaders', ['x', 'y'], async (batch) => ({ ready: batch.filter((name) => name === 'x'), problem: 'y: LEADER_NOT_AVAILABLE' }), options(300));
    expect(stalled).toEqual({ pending: ['y'], stopped: 'stalled', lastProblem: 'y: LEADER_NOT_AVAILABLE' });
  });

  it('waits out retriable errors (a topic the broker does not serve yet) and fails at once on others', async () => {
    let calls = 0;
    const notYet = Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
    const outcome = await waitUntilReady('leaders', ['a'], async (batch) => {
      calls += 1;
      if (calls < 3) throw notYet;
      return { ready: batch };
    }, options(5_000));
    expect(outcome.pending).toEqual([]);
    const refused = Object.assign(new Error('Not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    await expect(waitUntilReady('leaders', ['a'], async () => Promise.reject(refused), options(5_000))).rejects.toBe(refused);
  });

  it('stops when the run is aborted, saying so', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 100);
    const outcome = await waitUntilReady('leaders', ['a'], async () => ({ ready: [] }), options(60_000, controller.signal));
    expect(outcome).toMatchObject({ pending: ['a'], stopped: 'aborted' });
  });
});
