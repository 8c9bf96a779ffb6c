import { describe, expect, it } from 'vitest';
import { summarizeLatencies } from '../../../src/tasks/smoke/stats.js';
import { verifyProbe, type ReceivedRecord, type SentRecord } from '../../../src/tasks/smoke/verify.js';

const sent = (seq: number, partition: number, sentAt = 1_000, ackedAt = 1_005): SentRecord => ({ seq, partition, sentAt, ackedAt, sha256: `sum${seq}` });
const got = (seq: number, partition: number, offset: number, extra: Partial<ReceivedRecord> = {}): ReceivedRecord => ({
  seq,
  partition,
  offset: String(offset),
  sentAt: 1_000,
  receivedAt: 1_000 + 10 + seq,
  checksumOk: true,
  ...extra,
});

describe('latency percentiles', () => {
  it('uses nearest rank, so every figure was really observed', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(summarizeLatencies(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(summarizeLatencies([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(summarizeLatencies([1, 2, 3, 1000])).toMatchObject({ p50: 2, p95: 1000, p99: 1000 });
    expect(summarizeLatencies([])).toBeUndefined();
  });
});

describe('probe verification', () => {
  const all = [sent(0, 0), sent(1, 1), sent(2, 0), sent(3, 1)];

  it('passes when every record came back once, in order, intact', () => {
    const verdict = verifyProbe(all, [got(0, 0, 10), got(2, 0, 11), got(1, 1, 20), got(3, 1, 21)], 2);
    expect(verdict).toMatchObject({ sent: 4, received: 4, lost: [], duplicates: 0, outOfOrder: [], checksumMismatches: [], decodeErrors: [], misplaced: [] });
    expect(verdict.endToEnd).toEqual({ count: 4, p50: 11, p95: 13, p99: 13, max: 13 });
    expect(verdict.produceAck).toEqual({ count: 4, p50: 5, p95: 5, p99: 5, max: 5 });
    expect(verdict.partitions.map(({ partition, sent: count, received }) => ({ partition, count, received }))).toEqual([
      { partition: 0, count: 2, received: 2 },
      { partition: 1, count: 2, received: 2 },
    ]);
  });

  it('counts lost records and duplicates, judging each record by its first arrival', () => {
    const verdict = verifyProbe(all, [got(0, 0, 10), got(0, 0, 12), got(1, 1, 20), got(1, 1, 22)], 2);
    expect(verdict.lost).toEqual([2, 3]);
    expect(verdict.duplicates).toBe(2);
    expect(verdict.received).toBe(2);
    expect(verdict.partitions[0]).toMatchObject({ sent: 2, received: 1 });
  });

  it('finds a record that arrived after a later one on the same partition, by offset', () => {
    const verdict = verifyProbe(all, [got(2, 0, 10), got(0, 0, 11), got(1, 1, 20), got(3, 1, 21)], 2);
    expect(verdict.outOfOrder).toEqual([{ partition: 0, seq: 0, after: 2 }]);
  });

  it('orders offsets numerically, not as text', () => {
    const verdict = verifyProbe(all.slice(0, 3), [got(0, 0, 9), got(2, 0, 10), got(1, 1, 20)], 2);
    expect(verdict.outOfOrder).toEqual([]);
  });

  it('reports checksum mismatches, decoding failures and records read from the wrong partition', () => {
    const verdict = verifyProbe(all, [got(0, 0, 10, { checksumOk: false }), got(2, 0, 11, { decodeError: 'bad magic byte' }), got(1, 0, 12), got(3, 1, 21)], 2);
    expect(verdict.checksumMismatches).toEqual([0]);
    expect(verdict.decodeErrors).toEqual([{ seq: 2, error: 'bad magic byte' }]);
    expect(verdict.misplaced).toEqual([1]);
  });

  it('lists partitions that received nothing', () => {
    const verdict = verifyProbe([sent(0, 0)], [got(0, 0, 1)], 3);
    expect(verdict.partitions.map((partition) => [partition.sent, partition.received])).toEqual([[1, 1], [0, 0], [0, 0]]);
    expect(verdict.partitions[1]!.endToEnd).toBeUndefined();
  });
});
