import type { Admin } from 'kafkajs';
import type { KafkaAdmin, KafkaItemError, PartitionState } from '../../clients/kafka/admin.js';
import { ConfigResourceTypes, ConfigSource } from '../shared/kafka-enums.js';
import { chunk, mapBounded } from '../shared/batch.js';
import type { ClusterTopics } from './diff.js';
import type { ActualConfigEntry, ActualTopic } from './model.js';

/** Topics per DescribeConfigs request sent through kafkajs's admin, and requests in flight. */
const DESCRIBE_BATCH_SIZE = 250;
const DESCRIBE_CONCURRENCY = 4;

export interface ClusterTopicState extends ClusterTopics {
  /** Every topic config name the broker listed for the described topics (defaults included). */
  knownConfigKeys: Set<string>;
}

/**
 * Reads what the plan compares with, in two requests for a thousand topics: one Metadata request
 * for every topic (names, partitions, replicas; the same request finds the controller), then
 * DescribeConfigs for the declared topics that exist (see DESCRIBE_CONFIGS_BATCH). Undeclared
 * topics (deletion candidates) get partitions and replicas only.
 */
export async function readClusterTopics(admin: KafkaAdmin, declared: readonly string[]): Promise<ClusterTopicState> {
  const listed = await admin.listTopics();
  const topics = new Map<string, ActualTopic>();
  for (const topic of listed) topics.set(topic.name, fromPartitions(topic.name, topic.partitions));
  const existingDeclared = declared.filter((name) => topics.has(name));
  const knownConfigKeys = new Set<string>();
  const described = await admin.describeTopicConfigs(existingDeclared);
  for (const [name, result] of described) {
    // A topic deleted or hidden since the Metadata answer: the plan cannot be trusted; the classifier names the cause.
    if (!result.ok) throw itemFailure(name, result.error);
    const config = new Map<string, ActualConfigEntry>();
    for (const entry of result.entries) {
      config.set(entry.name, configEntry(entry.value, entry.source, entry.isDefault, entry.sensitive));
      knownConfigKeys.add(entry.name);
    }
    const topic = topics.get(name);
    if (topic) topic.config = config;
  }
  return { names: listed.map((topic) => topic.name), topics, knownConfigKeys };
}

/** An error the Kafka error classifier reads like a kafkajs protocol error (it looks at `type`). */
function itemFailure(topic: string, error: KafkaItemError): Error & { type: string; retriable: boolean } {
  return Object.assign(new Error(`${error.type} for topic ${topic}: ${error.message}`), { type: error.type, retriable: error.retriable });
}

function configEntry(value: string | null, source: number | undefined, isDefault: boolean, sensitive: boolean): ActualConfigEntry {
  return {
    value: value ?? null,
    // Only TOPIC_CONFIG is the topic's own dynamic config; the other sources are defaults
    // (DescribeConfigs v1+; v0 has no source and marks defaults with isDefault).
    own: source !== undefined ? source === ConfigSource.TOPIC_CONFIG : !isDefault,
    sensitive,
  };
}

/** DescribeConfigs for many topics through kafkajs's admin: batched requests, a few in flight. */
export async function describeTopicConfigs(admin: Admin, names: readonly string[]): Promise<Map<string, Map<string, ActualConfigEntry>>> {
  const out = new Map<string, Map<string, ActualConfigEntry>>();
  const batches = chunk(names, DESCRIBE_BATCH_SIZE);
  await mapBounded(batches, DESCRIBE_CONCURRENCY, async (batch) => {
    const response = await admin.describeConfigs({ includeSynonyms: false, resources: batch.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })) });
    for (const resource of response.resources) {
      const config = new Map<string, ActualConfigEntry>();
      for (const entry of resource.configEntries) config.set(entry.configName, configEntry(entry.configValue, entry.configSource, entry.isDefault, entry.isSensitive));
      out.set(resource.resourceName, config);
    }
  });
  return out;
}

function fromPartitions(name: string, partitions: readonly PartitionState[]): ActualTopic {
  return { name, partitions: partitions.length, replicationFactor: replicationFactorOf(partitions.map((partition) => partition.replicas.length)) };
}

/** The replica count most partitions have (a reassignment in progress may leave a few different). */
export function replicationFactorOf(replicaCounts: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const replicas of replicaCounts) counts.set(replicas, (counts.get(replicas) ?? 0) + 1);
  let replicationFactor = 0;
  let most = -1;
  for (const [replicas, count] of counts) {
    if (count > most) {
      most = count;
      replicationFactor = replicas;
    }
  }
  return replicationFactor;
}
