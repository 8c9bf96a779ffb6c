import { summarizeLatencies, type LatencySummary } from './stats.js';

/** One acknowledged probe record. */
export interface SentRecord {
  seq: number;
  partition: number;
  sentAt: number;
  ackedAt: number;
  sha256: string;
}

/** One probe record of this run as the consumer saw it. */
export interface ReceivedRecord {
  seq: number;
  partition: number;
  offset: string;
  sentAt: number;
  receivedAt: number;
  /** The checksum of the value as consumed equals the one in the record's header. */
  checksumOk: boolean;
  /** Set when decoding through the registry failed or the decoded record differs from the one sent. */
  decodeError?: string;
}

interface PartitionFigures {
  partition: number;
  sent: number;
  received: number;
  endToEnd?: LatencySummary;
}

export interface ProbeVerdict {
  sent: number;
  /** Distinct records of this run received. */
  received: number;
  lost: number[];
  /** Receptions beyond the first of a record. */
  duplicates: number;
  /** Records that arrived after a record sent later on the same partition. */
  outOfOrder: Array<{ partition: number; seq: number; after: number }>;
  checksumMismatches: number[];
  decodeErrors: Array<{ seq: number; error: string }>;
  /** Records whose header names a partition other than the one they were read from. */
  misplaced: number[];
  produceAck?: LatencySummary;
  endToEnd?: LatencySummary;
  partitions: PartitionFigures[];
}

/**
 * Compares what was acknowledged with what came back: loss, duplicates, per-partition order,
 * checksums and decoding, plus the latencies of both legs.
 */
export function verifyProbe(sent: readonly SentRecord[], received: readonly ReceivedRecord[], partitions: number): ProbeVerdict {
  const sentBySeq = new Map(sent.map((record) => [record.seq, record]));
  const firstSeen = new Map<number, ReceivedRecord>();
  let duplicates = 0;
  const outOfOrder: ProbeVerdict['outOfOrder'] = [];
  const lastSeqOnPartition = new Map<number, number>();
  const checksumMismatches: number[] = [];
  const decodeErrors: ProbeVerdict['decodeErrors'] = [];
  const misplaced: number[] = [];

  // Records arrive per partition in offset order; compare each with the last one of its partition.
  const ordered = [...received].sort((a, b) => a.partition - b.partition || compareOffsets(a.offset, b.offset));
  for (const record of ordered) {
    if (firstSeen.has(record.seq)) {
      duplicates += 1;
      continue;
    }
    firstSeen.set(record.seq, record);
    const previous = lastSeqOnPartition.get(record.partition);
    if (previous !== undefined && record.seq < previous) outOfOrder.push({ partition: record.partition, seq: record.seq, after: previous });
    else lastSeqOnPartition.set(record.partition, record.seq);
    if (!record.checksumOk) checksumMismatches.push(record.seq);
    if (record.decodeError !== undefined) decodeErrors.push({ seq: record.seq, error: record.decodeError });
    const expected = sentBySeq.get(record.seq);
    if (expected && expected.partition !== record.partition) misplaced.push(record.seq);
  }

  const lost = sent.filter((record) => !firstSeen.has(record.seq)).map((record) => record.seq);
  const endToEndSamples = [...firstSeen.values()].map((record) => record.receivedAt - record.sentAt);
  const partitionFigures: PartitionFigures[] = [];
  for (let partition = 0; partition < partitions; partition += 1) {
    const onPartition = [...firstSeen.values()].filter((record) => record.partition === partition);
    partitionFigures.push({
      partition,
      sent: sent.filter((record) => record.partition === partition).length,
      received: onPartition.length,
      endToEnd: summarizeLatencies(onPartition.map((record) => record.receivedAt - record.sentAt)),
    });
  }
  return {
    sent: sent.length,
    received: firstSeen.size,
    lost,
    duplicates,
    outOfOrder,
    checksumMismatches,
    decodeErrors,
    misplaced,
    produceAck: summarizeLatencies(sent.map((record) => record.ackedAt - record.sentAt)),
    endToEnd: summarizeLatencies(endToEndSamples),
    partitions: partitionFigures,
  };
}

function compareOffsets(a: string, b: string): number {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
