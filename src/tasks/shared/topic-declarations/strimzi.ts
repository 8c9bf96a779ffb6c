import { z } from 'zod';
import type { ParsedYaml } from '../../../config/yaml.js';
import { ConfigError } from '../../../errors.js';
import { Partitions, ReplicationFactor, TopicConfigMap } from './schema.js';
import { parseDocumentPart } from '../documents.js';
import type { TopicFormat } from './model.js';

/** The Strimzi API versions whose KafkaTopic synchook reads (same spec fields in both). */
const STRIMZI_API_VERSIONS = ['kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v1'] as const;
const STRIMZI_GROUP = 'kafka.strimzi.io/';

// Strimzi's KafkaTopic spec has exactly these fields; an unknown one (replicationFactor instead of
// replicas) is a mistake worth stopping for.
const KafkaTopicSpec = z.strictObject({
  topicName: z.string({ error: 'expected the topic name as a string' }).min(1, { error: 'must not be empty' }).optional(),
  partitions: Partitions.optional(),
  replicas: ReplicationFactor.optional(),
  config: TopicConfigMap.optional(),
});

const KafkaTopicResource = z.strictObject({
  apiVersion: z.enum(STRIMZI_API_VERSIONS),
  kind: z.literal('KafkaTopic'),
  metadata: z.looseObject({
    name: z.string({ error: 'expected metadata.name' }).min(1, { error: 'must not be empty' }),
    annotations: z.record(z.string(), z.unknown()).optional(),
  }),
  spec: KafkaTopicSpec.optional(),
  status: z.unknown().optional(),
});

export interface StrimziTopic {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  /** Raw config values, normalized by the caller. */
  config: Record<string, unknown>;
  format: TopicFormat;
  /** `strimzi.io/managed: "false"`: the resource asks to be left alone. */
  managed: boolean;
}

/** A Kubernetes document: KafkaTopic resources are read, any other kind is skipped. */
export function isKubernetesDocument(value: Record<string, unknown>): boolean {
  return 'apiVersion' in value || 'kind' in value;
}

export function isKafkaTopicDocument(value: Record<string, unknown>): boolean {
  return value.kind === 'KafkaTopic' && typeof value.apiVersion === 'string' && value.apiVersion.startsWith(STRIMZI_GROUP);
}

/** Reads a KafkaTopic resource: spec.topicName overrides metadata.name; spec.replicas is the replication factor. */
export function parseKafkaTopic(doc: ParsedYaml, value: Record<string, unknown>): StrimziTopic {
  if (typeof value.apiVersion === 'string' && !(STRIMZI_API_VERSIONS as readonly string[]).includes(value.apiVersion)) {
    throw new ConfigError(`${doc.locate(['apiVersion'])}: KafkaTopic apiVersion ${value.apiVersion} is not supported; use ${STRIMZI_API_VERSIONS.join(' or ')} (Strimzi converts older resources with its api-conversion tool).`);
  }
  const resource = parseDocumentPart(KafkaTopicResource, doc, value);
  const spec = resource.spec ?? {};
  const managedAnnotation = resource.metadata.annotations?.['strimzi.io/managed'];
  return {
    name: spec.topicName ?? resource.metadata.name,
    partitions: spec.partitions,
    replicationFactor: spec.replicas,
    config: spec.config ?? {},
    format: resource.apiVersion,
    managed: String(managedAnnotation ?? 'true').toLowerCase() !== 'false',
  };
}
