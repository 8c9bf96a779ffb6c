import { describe, expect, it } from 'vitest';
import { CHECKSUM_HEADER, PROBE_HEADER, newRunId, partitionOf, plainProbeValue, probeHeaders, readProbeHeaders, sha256 } from '../../../src/tasks/smoke/records.js';

describe('probe records', () => {
  it('pads a plain value to the configured size with JSON naming run and sequence', () => {
    for (const bytes of [64, 256, 1000]) {
      const value = plainProbeValue('run-1', 42, bytes);
      expect(value.length).toBe(bytes);
      expect(JSON.parse(value.toString())).toMatchObject({ probe: 'synchook', runId: 'run-1', seq: 42 });
    }
    // Random padding: two records of the same run never share a checksum.
    expect(sha256(plainProbeValue('run-1', 1, 256))).not.toBe(sha256(plainProbeValue('run-1', 1, 256)));
  });

  it('spreads records over every partition, round-robin', () => {
    const partitions = Array.from({ length: 10 }, (_, seq) => partitionOf(seq, 4));
    expect(partitions).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  });

  it('reads back the headers it writes, as kafkajs delivers them (Buffers)', () => {
    const written = probeHeaders({ runId: 'r1', seq: 7, sentAt: 1_700_000_000_123, sha256: 'abc' });
    expect(written[PROBE_HEADER]).toBe('r1');
    const asConsumed = Object.fromEntries(Object.entries(written).map(([key, value]) => [key, Buffer.from(value)]));
    expect(readProbeHeaders(asConsumed)).toEqual({ runId: 'r1', seq: 7, sentAt: 1_700_000_000_123, sha256: 'abc' });
  });

  it('ignores records that are not complete probe records', () => {
    expect(readProbeHeaders(undefined)).toBeUndefined();
    expect(readProbeHeaders({ 'content-type': Buffer.from('json') })).toBeUndefined();
    const partial = probeHeaders({ runId: 'r1', seq: 1, sentAt: 1, sha256: 'x' });
    delete partial[CHECKSUM_HEADER];
    expect(readProbeHeaders(partial)).toBeUndefined();
  });

  it('makes run ids that differ between concurrent runs and fit a group id', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRunId(1_700_000_000_000)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+-[0-9a-f]{6}$/);
  });
});
