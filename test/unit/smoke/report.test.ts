import { describe, expect, it } from 'vitest';
import { SmokeThresholds } from '../../../src/tasks/smoke/config.js';
import { smokeOutcome, type SmokeReportInput } from '../../../src/tasks/smoke/report.js';
import type { ProbeVerdict } from '../../../src/tasks/smoke/verify.js';

const verdict = (overrides: Partial<ProbeVerdict> = {}): ProbeVerdict => ({
  sent: 1000,
  received: 1000,
  lost: [],
  duplicates: 0,
  outOfOrder: [],
  checksumMismatches: [],
  decodeErrors: [],
  misplaced: [],
  endToEnd: { count: 1000, p50: 8, p95: 19, p99: 23, max: 31 },
  produceAck: { count: 1000, p50: 3, p95: 6, p99: 9, max: 12 },
  partitions: [0, 1, 2].map((partition) => ({ partition, sent: 334 - (partition ? 1 : 0), received: 334 - (partition ? 1 : 0) })),
  ...overrides,
});

const input = (overrides: Partial<SmokeReportInput> = {}): SmokeReportInput => ({
  topic: 'synchook.probe.prod',
  verdict: verdict(),
  thresholds: SmokeThresholds.parse({}),
  timedOut: false,
  timeoutMs: 30_000,
  wallMs: 640,
  runId: 'abc-123456',
  topicCreated: false,
  warnings: [],
  ...overrides,
});

describe('smoke outcome', () => {
  it('sums the probe up in one short line and a small table', () => {
    const outcome = smokeOutcome(input({ serde: 'AVRO orders-value v3 (schema id 12)' }));
    expect(outcome.summary).toBe('1000/1000 msgs, p99 23 ms, ack p99 9 ms, 3 partitions, AVRO orders-value v3');
    expect(outcome.summary.length).toBeLessThanOrEqual(140);
    expect(outcome.violations).toEqual([]);
    expect(outcome.figures).toMatchObject({ sent: 1000, received: 1000, lost: 0, e2eP99Ms: 23, ackP99Ms: 9, wallMs: 640 });
    expect(outcome.details).toEqual([
      'run abc-123456 on synchook.probe.prod, AVRO orders-value v3 (schema id 12): 1000/1000 records in 640 ms',
      'latency          p50     p95     p99     max',
      'end-to-end      8 ms   19 ms   23 ms   31 ms',
      'produce ack     3 ms    6 ms    9 ms   12 ms',
      'partition            0         1         2',
      'received       334/334   333/333   333/333',
    ]);
  });

  it('fails on loss beyond maxLoss with the numbers and the first missing records', () => {
    const outcome = smokeOutcome(input({ verdict: verdict({ received: 993, lost: [4, 7, 9, 12, 15, 18, 21] }), timedOut: true }));
    expect(outcome.violations).toEqual([
      {
        resource: 'topic synchook.probe.prod',
        rule: 'max-loss',
        message: "7 of 1000 acknowledged probe records did not come back within the probe's 30 s (max loss 0; first missing: 4, 7, 9, 12, 15, ...). Check the brokers' health and the partitions' leaders.",
      },
    ]);
    expect(smokeOutcome(input({ verdict: verdict({ lost: [4] }), thresholds: SmokeThresholds.parse({ maxLoss: 1 }) })).violations).toEqual([]);
  });

  it('fails on each latency limit with the measured value, and on duplicates, order, checksum and decoding', () => {
    const thresholds = SmokeThresholds.parse({ maxP99: '20ms', maxP95: '10ms', maxLatency: '30ms', maxProduceP99: '5ms' });
    const outcome = smokeOutcome(
      input({
        thresholds,
        serde: 'JSON s v1 (schema id 2)',
        verdict: verdict({ duplicates: 2, outOfOrder: [{ partition: 1, seq: 4, after: 7 }], checksumMismatches: [3], decodeErrors: [{ seq: 5, error: 'boom' }] }),
      }),
    );
    expect(outcome.violations!.map((violation) => `${violation.rule}: ${violation.message}`)).toEqual([
      'max-duplicates: 2 probe records were received more than once (max duplicates 0); a produce retry wrote them twice.',
      'order: 1 probe records arrived out of order (partition 1: record 4 after 7); Kafka must keep the order within a partition.',
      'checksum: 1 probe records came back with a different content checksum (records 3).',
      'serde: 1 probe records did not decode with JSON s v1 (schema id 2) (record 5: boom).',
      'max-p99: end-to-end p99 latency 23 ms is above the limit of 20 ms (over 1000 records).',
      'max-p95: end-to-end p95 latency 19 ms is above the limit of 10 ms (over 1000 records).',
      'max-latency: end-to-end max latency 31 ms is above the limit of 30 ms (over 1000 records).',
      'max-produce-p99: produce-ack p99 latency 9 ms is above the limit of 5 ms (over 1000 records).',
    ]);
  });
});
