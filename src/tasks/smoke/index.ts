import { ConfigError } from '../../errors.js';
import { defineCheckTask, type ValidationReport } from '../types.js';
import { DEFAULT_SMOKE_TIMEOUT_MS, SmokeSection, probeTopicName } from './config.js';
import { runProbe } from './probe.js';
import { newRunId } from './records.js';
import { smokeOutcome } from './report.js';
import { verifyProbe } from './verify.js';

// serde.js brings ajv and protobufjs: loaded only for a probe with a serde, not for every run
// that imports the task list.
const loadSerde = () => import('./serde.js');

/** Time kept back from the probe for leaving and deleting its consumer group. */
function cleanupReserve(budgetMs: number): number {
  return Math.min(5_000, Math.max(1_000, Math.round(budgetMs * 0.2)));
}

export const smokeTask = defineCheckTask({
  name: 'smoke',
  phase: 'postsync',
  configKey: 'smoke',
  configSchema: SmokeSection,
  description: 'PostSync smoke test: produce probe records to every partition of a topic and read them back (loss, duplicates, order, checksum, serdes, latency).',

  async validate(ctx, section): Promise<ValidationReport> {
    const topic = probeTopicName(section, ctx.config.environment);
    const checked = [`smoke: ${section.messages} records to ${topic} (${section.mode}${section.mode === 'probe-topic' && section.createTopic ? ', created when missing' : ''})`];
    if (section.serde?.sampleFile) {
      (await loadSerde()).readSample(ctx.configDir, section.serde.sampleFile);
      checked.push(`smoke: sample record ${section.serde.sampleFile} parses`);
    }
    return { checked, violations: [], warnings: [] };
  },

  async run(ctx, parsed) {
    const section: SmokeSection = parsed;
    const cluster = ctx.config.cluster;
    if (!cluster) throw new ConfigError('the smoke task needs Kafka, but the config has no cluster section. Add cluster.brokers.');
    const started = Date.now();
    const budget = Math.min(section.timeout ?? DEFAULT_SMOKE_TIMEOUT_MS, ctx.deadline.remaining());
    const reserve = cleanupReserve(budget);
    const topic = probeTopicName(section, ctx.config.environment);
    const serde = section.serde ? await (await loadSerde()).createProbeSerde({ registry: ctx.clients.registry(), configDir: ctx.configDir, signal: ctx.signal }, section.serde) : undefined;
    const run = await runProbe({
      kafka: ctx.clients.kafka(),
      cluster,
      log: ctx.log,
      signal: ctx.signal,
      deadlineAt: started + budget - reserve,
      cleanupBy: started + budget - 250,
      section,
      topic,
      serde,
      runId: newRunId(),
    });
    const verdict = verifyProbe(run.sent, run.received, run.topic.partitions.length);
    ctx.log.info({ runId: run.runId, topic, sent: verdict.sent, received: verdict.received, e2e: verdict.endToEnd, ack: verdict.produceAck }, 'smoke probe finished');
    return smokeOutcome({
      topic,
      verdict,
      thresholds: section.thresholds,
      timedOut: run.timedOut,
      timeoutMs: budget,
      wallMs: run.wallMs,
      serde: serde?.label,
      runId: run.runId,
      topicCreated: run.topic.created,
      warnings: run.warnings,
    });
  },
});
