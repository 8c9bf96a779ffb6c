import { formatDuration } from '../../duration.js';
import type { TaskOutcome, Violation } from '../types.js';
import type { SmokeThresholds } from './config.js';
import { formatMs, type LatencySummary } from './stats.js';
import type { ProbeVerdict } from './verify.js';

export interface SmokeReportInput {
  topic: string;
  verdict: ProbeVerdict;
  thresholds: SmokeThresholds;
  /** The deadline passed before every record came back. */
  timedOut: boolean;
  timeoutMs: number;
  wallMs: number;
  serde?: string;
  runId: string;
  topicCreated: boolean;
  warnings: string[];
}

const LISTED = 5;

/** Turns the verified probe into the task's outcome: figures, a summary line, a table, violations. */
export function smokeOutcome(input: SmokeReportInput): TaskOutcome {
  const { verdict } = input;
  const violations = smokeViolations(input);
  const e2e = verdict.endToEnd;
  const summary = [
    `${verdict.received}/${verdict.sent} msgs`,
    e2e ? `p99 ${formatMs(e2e.p99)}` : undefined,
    verdict.produceAck ? `ack p99 ${formatMs(verdict.produceAck.p99)}` : undefined,
    `${verdict.partitions.length} partition${verdict.partitions.length === 1 ? '' : 's'}`,
    input.serde ? input.serde.split(' (')[0] : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const figures: Record<string, number | string> = {
    sent: verdict.sent,
    received: verdict.received,
    lost: verdict.lost.length,
    duplicates: verdict.duplicates,
    outOfOrder: verdict.outOfOrder.length,
    partitions: verdict.partitions.length,
    wallMs: Math.round(input.wallMs),
    runId: input.runId,
  };
  for (const [name, summaryOf] of [['e2e', verdict.endToEnd], ['ack', verdict.produceAck]] as const) {
    if (!summaryOf) continue;
    figures[`${name}P50Ms`] = summaryOf.p50;
    figures[`${name}P95Ms`] = summaryOf.p95;
    figures[`${name}P99Ms`] = summaryOf.p99;
    figures[`${name}MaxMs`] = summaryOf.max;
  }
  return {
    summary,
    figures,
    violations,
    warnings: input.warnings,
    details: smokeDetails(input),
  };
}

function smokeViolations(input: SmokeReportInput): Violation[] {
  const { verdict, thresholds, topic } = input;
  const resource = `topic ${topic}`;
  const out: Violation[] = [];
  const lost = verdict.lost.length;
  if (lost > thresholds.maxLoss) {
    const when = input.timedOut ? `within the probe's ${formatDuration(input.timeoutMs)}` : 'before the consumer stopped';
    out.push({
      resource,
      rule: 'max-loss',
      message: `${lost} of ${verdict.sent} acknowledged probe records did not come back ${when} (max loss ${thresholds.maxLoss}; first missing: ${listed(verdict.lost)}). Check the brokers' health and the partitions' leaders.`,
    });
  }
  if (verdict.duplicates > thresholds.maxDuplicates) {
    out.push({ resource, rule: 'max-duplicates', message: `${verdict.duplicates} probe records were received more than once (max duplicates ${thresholds.maxDuplicates}); a produce retry wrote them twice.` });
  }
  if (verdict.outOfOrder.length > 0) {
    const first = verdict.outOfOrder[0]!;
    out.push({ resource, rule: 'order', message: `${verdict.outOfOrder.length} probe records arrived out of order (partition ${first.partition}: record ${first.seq} after ${first.after}); Kafka must keep the order within a partition.` });
  }
  if (verdict.checksumMismatches.length > 0) {
    out.push({ resource, rule: 'checksum', message: `${verdict.checksumMismatches.length} probe records came back with a different content checksum (records ${listed(verdict.checksumMismatches)}).` });
  }
  if (verdict.decodeErrors.length > 0) {
    const first = verdict.decodeErrors[0]!;
    out.push({ resource, rule: 'serde', message: `${verdict.decodeErrors.length} probe records did not decode with ${input.serde ?? 'the expected format'} (record ${first.seq}: ${first.error}).` });
  }
  if (verdict.misplaced.length > 0) {
    out.push({ resource, rule: 'partition', message: `${verdict.misplaced.length} probe records were read from a partition other than the one they were written to (records ${listed(verdict.misplaced)}).` });
  }
  const e2e = verdict.endToEnd;
  const latencyLimits: Array<[string, number | undefined, number | undefined, string]> = [
    ['end-to-end p99', thresholds.maxP99, e2e?.p99, 'max-p99'],
    ['end-to-end p95', thresholds.maxP95, e2e?.p95, 'max-p95'],
    ['end-to-end max', thresholds.maxLatency, e2e?.max, 'max-latency'],
    ['produce-ack p99', thresholds.maxProduceP99, verdict.produceAck?.p99, 'max-produce-p99'],
  ];
  for (const [what, limit, measured, rule] of latencyLimits) {
    if (limit !== undefined && measured !== undefined && measured > limit) {
      out.push({ resource, rule, message: `${what} latency ${formatMs(measured)} is above the limit of ${formatMs(limit)} (over ${verdict.received} records).` });
    }
  }
  return out;
}

function listed(values: number[]): string {
  return values.length > LISTED ? `${values.slice(0, LISTED).join(', ')}, ...` : values.join(', ');
}

function latencyRow(name: string, summary: LatencySummary | undefined): string {
  const cells = summary ? [summary.p50, summary.p95, summary.p99, summary.max].map((value) => formatMs(value).padStart(8)) : ['-', '-', '-', '-'].map((cell) => cell.padStart(8));
  return `${name.padEnd(12)}${cells.join('')}`;
}

/** The small table printed under the summary: latencies of both legs, then records per partition. */
function smokeDetails(input: SmokeReportInput): string[] {
  const { verdict } = input;
  const lines = [
    `run ${input.runId} on ${input.topic}${input.topicCreated ? ' (created)' : ''}${input.serde ? `, ${input.serde}` : ''}: ${verdict.received}/${verdict.sent} records in ${formatDuration(input.wallMs)}`,
    `${'latency'.padEnd(12)}${['p50', 'p95', 'p99', 'max'].map((cell) => cell.padStart(8)).join('')}`,
    latencyRow('end-to-end', verdict.endToEnd),
    latencyRow('produce ack', verdict.produceAck),
  ];
  const shown = verdict.partitions.slice(0, 12);
  lines.push(`${'partition'.padEnd(12)}${shown.map((partition) => String(partition.partition).padStart(10)).join('')}${verdict.partitions.length > shown.length ? '   ...' : ''}`);
  lines.push(`${'received'.padEnd(12)}${shown.map((partition) => `${partition.received}/${partition.sent}`.padStart(10)).join('')}`);
  return lines;
}
