/** Lag of one partition for one group. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** Committed offset, or undefined when the group never committed this partition. */
  committed?: bigint;
  start: bigint;
  end: bigint;
  lag: bigint;
}

export interface Offsets {
  partition: number;
  low: string;
  high: string;
}

/**
 * Lag = end offset − committed offset, never below 0 (a committed offset past the end after a
 * truncation is no lag). A partition without a committed offset counts every retained record
 * (end − log start) with `lag-from-start`, and is left out with `skip`.
 */
export function partitionLags(
  topic: string,
  endOffsets: readonly Offsets[],
  committed: ReadonlyArray<{ partition: number; offset: string }>,
  withoutCommittedOffset: 'lag-from-start' | 'skip',
): PartitionLag[] {
  const committedBy = new Map(committed.map((entry) => [entry.partition, BigInt(entry.offset)]));
  const out: PartitionLag[] = [];
  for (const { partition, low, high } of [...endOffsets].sort((a, b) => a.partition - b.partition)) {
    const start = BigInt(low);
    const end = BigInt(high);
    const offset = committedBy.get(partition);
    if (offset === undefined || offset < 0n) {
      if (withoutCommittedOffset === 'skip') continue;
      out.push({ topic, partition, start, end, lag: end - start > 0n ? end - start : 0n });
      continue;
    }
    out.push({ topic, partition, committed: offset, start, end, lag: end - offset > 0n ? end - offset : 0n });
  }
  return out;
}

export function maxLag(lags: readonly PartitionLag[]): bigint {
  return lags.reduce((max, entry) => (entry.lag > max ? entry.lag : max), 0n);
}

export function totalLag(lags: readonly PartitionLag[]): bigint {
  return lags.reduce((sum, entry) => sum + entry.lag, 0n);
}

/** Highest lags first: the partitions a reader wants to see. */
export function worstPartitions(lags: readonly PartitionLag[], count: number): PartitionLag[] {
  return [...lags].sort((a, b) => (b.lag > a.lag ? 1 : b.lag < a.lag ? -1 : a.topic.localeCompare(b.topic) || a.partition - b.partition)).slice(0, count);
}
