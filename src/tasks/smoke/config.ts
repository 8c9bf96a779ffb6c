import { z } from 'zod';
import { Duration, FilePath, NonEmptyString } from '../../config/common.js';

/** Kafka's rule for topic names: legal characters and at most 249 of them. */
const TopicName = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, { message: 'a topic name uses letters, digits, ".", "_" or "-" (at most 249)' })
  .refine((name) => name !== '.' && name !== '..', { message: 'a topic name cannot be "." or ".."' });

export const SerdeConfig = z
  .strictObject({
    type: z.enum(['AVRO', 'JSON', 'PROTOBUF']).meta({ description: 'Schema type of the subject; must match what the registry holds.' }),
    subject: NonEmptyString.meta({ description: 'Registry subject whose schema encodes the probe records, e.g. orders.v1-value.' }),
    version: z
      .union([z.literal('latest'), z.int().min(1)])
      .default('latest')
      .meta({ description: 'Subject version to encode with: a number or "latest".' }),
    sampleFile: FilePath.optional().meta({
      description: 'JSON or YAML file with one record that is valid for the schema. Without it synchook generates one from the schema.',
    }),
    message: NonEmptyString.optional().meta({ description: 'Protobuf only: the message type to encode (default: the first message in the schema).' }),
  })
  .meta({ description: 'Encode probe records with a registered schema (Confluent wire format) and decode them on consume.' });
export type SerdeConfig = z.output<typeof SerdeConfig>;

export const SmokeThresholds = z
  .strictObject({
    maxP99: Duration.optional().meta({ description: 'Highest allowed end-to-end p99 latency (produce call → record received).' }),
    maxP95: Duration.optional().meta({ description: 'Highest allowed end-to-end p95 latency.' }),
    maxLatency: Duration.optional().meta({ description: 'Highest allowed end-to-end latency of any single record.' }),
    maxProduceP99: Duration.optional().meta({ description: 'Highest allowed p99 of the produce acknowledgement (acks=all).' }),
    maxLoss: z.int().min(0).default(0).meta({ description: 'Records that may be acknowledged but never received.' }),
    maxDuplicates: z.int().min(0).default(0).meta({ description: 'Records that may be received more than once.' }),
  })
  .meta({ description: 'Limits whose breach fails the sync (exit 1) with the measured figures in the message.' });
export type SmokeThresholds = z.output<typeof SmokeThresholds>;

/**
 * Defaults of a probe topic synchook creates: an hour of retention, small segments so that
 * retention can actually delete, and a size cap per partition, so the topic stays bounded.
 */
export const PROBE_TOPIC_DEFAULTS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '3600000',
  'retention.bytes': '16777216',
  'segment.ms': '600000',
  'segment.bytes': '1048576',
};

export const SmokeSection = z
  .strictObject({
    mode: z
      .enum(['probe-topic', 'application-topic'])
      .default('probe-topic')
      .meta({
        description:
          'probe-topic: a topic of synchook\'s own (created when missing). application-topic: an existing topic of the application; probe records carry the synchook-probe header so consumers can skip them.',
      }),
    topic: TopicName.optional().meta({ description: 'Topic to probe. Default synchook.probe.<environment> in probe-topic mode; required in application-topic mode.' }),
    createTopic: z.boolean().default(true).meta({ description: 'probe-topic mode: create the probe topic when it does not exist.' }),
    partitions: z.int().min(1).max(10_000).default(3).meta({ description: 'Partitions of a probe topic synchook creates. An existing topic keeps its own count.' }),
    replicationFactor: z.int().min(1).max(32).optional().meta({ description: 'Replication factor of a probe topic synchook creates; the broker default otherwise.' }),
    topicConfig: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .default({})
      .meta({ description: 'Topic configs for a probe topic synchook creates, over the defaults (retention.ms 1h, retention.bytes 16 MiB, segment.ms 10 min, segment.bytes 1 MiB).' }),
    messages: z.int().min(1).max(1_000_000).default(100).meta({ description: 'Number of probe records; spread over every partition.' }),
    messageBytes: z.int().min(64).max(1_000_000).default(256).meta({ description: 'Size of each record value without a serde (a serde uses the schema\'s own size).' }),
    batchSize: z.int().min(1).max(10_000).default(50).meta({ description: 'Records per produce request (acks=all); batches go out one after the other. Smaller batches give lower latencies, larger ones more throughput.' }),
    groupIdPrefix: NonEmptyString.default('synchook-smoke-').meta({
      description: 'Prefix of the throwaway consumer group of each run (<prefix><run id>); grant READ and DELETE on it as a PREFIXED group ACL.',
    }),
    thresholds: SmokeThresholds.prefault({}),
    serde: SerdeConfig.optional(),
  })
  .superRefine((section, ctx) => {
    if (section.mode === 'application-topic' && section.topic === undefined) {
      ctx.addIssue({ code: 'custom', path: ['topic'], message: 'application-topic mode needs the topic to probe: set smoke.topic to one of the application\'s topics' });
    }
    if (section.serde?.message !== undefined && section.serde.type !== 'PROTOBUF') {
      ctx.addIssue({ code: 'custom', path: ['serde', 'message'], message: 'serde.message applies to PROTOBUF only' });
    }
  });
/** The section as the task receives it: with `timeout`, a key every task section accepts. */
export type SmokeSection = z.output<typeof SmokeSection> & { timeout?: number };

/** The probe's deadline when the section sets no `timeout`. */
export const DEFAULT_SMOKE_TIMEOUT_MS = 30_000;

export function probeTopicName(section: Pick<SmokeSection, 'topic'>, environment: string): string {
  return section.topic ?? `synchook.probe.${environment}`;
}
