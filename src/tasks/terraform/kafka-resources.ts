import type { ResourceChange } from './plan-json.js';

/** What a Kafka resource is, for the default protections and their messages. */
type KafkaResourceKind = 'cluster' | 'topic' | 'ACL';

interface KafkaResourceType {
  kind: KafkaResourceKind;
  /** Attribute holding the partition count, for topics. */
  partitions?: string;
}

/**
 * Kafka resources of the common providers, protected by default (rules.protectKafkaResources).
 * Attribute names come from each provider's resource documentation on the Terraform Registry.
 */
export const KAFKA_RESOURCE_TYPES: Readonly<Record<string, KafkaResourceType>> = {
  // Mongey/kafka: any Kafka reachable over the Kafka protocol (self-managed, MSK, ...).
  kafka_topic: { kind: 'topic', partitions: 'partitions' },
  kafka_acl: { kind: 'ACL' },
  // confluentinc/confluent
  confluent_kafka_topic: { kind: 'topic', partitions: 'partitions_count' },
  confluent_kafka_acl: { kind: 'ACL' },
  confluent_kafka_cluster: { kind: 'cluster' },
  // aiven/aiven
  aiven_kafka_topic: { kind: 'topic', partitions: 'partitions' },
  aiven_kafka_acl: { kind: 'ACL' },
  aiven_kafka_native_acl: { kind: 'ACL' },
  aiven_kafka: { kind: 'cluster' },
  // redpanda-data/redpanda
  redpanda_topic: { kind: 'topic', partitions: 'partition_count' },
  redpanda_acl: { kind: 'ACL' },
  redpanda_cluster: { kind: 'cluster' },
  // hashicorp/aws (MSK has no topic resource; its topics go through the kafka provider)
  aws_msk_cluster: { kind: 'cluster' },
  aws_msk_serverless_cluster: { kind: 'cluster' },
  // hashicorp/google (Managed Service for Apache Kafka)
  google_managed_kafka_cluster: { kind: 'cluster' },
  google_managed_kafka_topic: { kind: 'topic', partitions: 'partition_count' },
  google_managed_kafka_acl: { kind: 'ACL' },
};

/** Strimzi custom resources applied with hashicorp/kubernetes' kubernetes_manifest. */
const STRIMZI_KINDS: Readonly<Record<string, KafkaResourceKind>> = {
  Kafka: 'cluster',
  KafkaTopic: 'topic',
  // Strimzi keeps a user's ACLs in spec.authorization of its KafkaUser.
  KafkaUser: 'ACL',
};

export interface KafkaResource {
  kind: KafkaResourceKind;
  /** Path of the partition count inside before/after, for topics. */
  partitionsPath?: Array<string | number>;
  /** "Kafka topic (kafka_topic)", "Strimzi KafkaTopic (kubernetes_manifest)". */
  label: string;
}

/** The Kafka resource a change acts on, or undefined when it is something else. */
export function kafkaResourceOf(change: Pick<ResourceChange, 'type' | 'before' | 'after' | 'mode'>): KafkaResource | undefined {
  if (change.mode !== 'managed') return undefined;
  const known = KAFKA_RESOURCE_TYPES[change.type];
  if (known) {
    return { kind: known.kind, partitionsPath: known.partitions ? [known.partitions] : undefined, label: `Kafka ${known.kind} (${change.type})` };
  }
  if (change.type === 'kubernetes_manifest') {
    const kind = strimziKind(change.before) ?? strimziKind(change.after);
    if (kind) {
      return {
        kind: STRIMZI_KINDS[kind]!,
        partitionsPath: kind === 'KafkaTopic' ? ['manifest', 'spec', 'partitions'] : undefined,
        label: `Strimzi ${kind} (kubernetes_manifest)`,
      };
    }
  }
  return undefined;
}

function strimziKind(value: unknown): string | undefined {
  const manifest = (value as { manifest?: { apiVersion?: unknown; kind?: unknown } } | null)?.manifest;
  if (!manifest || typeof manifest.kind !== 'string' || typeof manifest.apiVersion !== 'string') return undefined;
  if (!manifest.apiVersion.startsWith('kafka.strimzi.io/')) return undefined;
  return STRIMZI_KINDS[manifest.kind] ? manifest.kind : undefined;
}

/** What the change does to the resource, for the violation message. */
export function consequenceOf(resource: KafkaResource, destroyed: boolean): string {
  if (!destroyed) {
    return `It leaves the ${resource.label} unmanaged: Terraform stops tracking it, and a later apply may create a conflicting duplicate.`;
  }
  switch (resource.kind) {
    case 'topic':
      return `It destroys the ${resource.label} and every record in it; consumers lose their committed offsets.`;
    case 'ACL':
      return `It removes the ${resource.label}, so the clients relying on it fail with authorization errors.`;
    case 'cluster':
      return `It destroys the ${resource.label} with all its topics and data.`;
  }
}
