import { describe, expect, it } from 'vitest';
import { maxLag, partitionLags, totalLag, worstPartitions } from '../../../src/tasks/health/lag.js';

const ends = [
  { partition: 1, low: '0', high: '120' },
  { partition: 0, low: '40', high: '100' },
  { partition: 2, low: '0', high: '0' },
];

describe('consumer lag', () => {
  it('is end minus committed per partition, never negative', () => {
    const lags = partitionLags('orders', ends, [{ partition: 0, offset: '96' }, { partition: 1, offset: '125' }, { partition: 2, offset: '0' }], 'lag-from-start');
    expect(lags.map(({ partition, lag, committed }) => ({ partition, lag, committed }))).toEqual([
      { partition: 0, lag: 4n, committed: 96n },
      { partition: 1, lag: 0n, committed: 125n },
      { partition: 2, lag: 0n, committed: 0n },
    ]);
    expect(maxLag(lags)).toBe(4n);
    expect(totalLag(lags)).toBe(4n);
  });

  it('counts every retained record of a partition without a committed offset, or skips it', () => {
    const counted = partitionLags('orders', ends, [{ partition: 1, offset: '-1' }], 'lag-from-start');
    expect(counted.map(({ partition, lag, committed }) => ({ partition, lag, committed }))).toEqual([
      { partition: 0, lag: 60n, committed: undefined },
      { partition: 1, lag: 120n, committed: undefined },
      { partition: 2, lag: 0n, committed: undefined },
    ]);
    expect(partitionLags('orders', ends, [{ partition: 0, offset: '100' }], 'skip').map((lag) => lag.partition)).toEqual([0]);
  });

  it('handles offsets beyond 2^53 exactly', () => {
    const [lag] = partitionLags('big', [{ partition: 0, low: '0', high: '9007199254740999' }], [{ partition: 0, offset: '9007199254740990' }], 'skip');
    expect(lag!.lag).toBe(9n);
  });

  it('lists the worst partitions first', () => {
    const lags = partitionLags('t', ends, [], 'lag-from-start');
    expect(worstPartitions(lags, 2).map((lag) => lag.partition)).toEqual([1, 0]);
  });
});
