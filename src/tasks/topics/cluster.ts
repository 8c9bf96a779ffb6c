import type { Admin, ITopicMetadata } from 'kafkajs';
import { ConfigResourceTypes, ConfigSource } from '../shared/kafka-enums.js';
import { chunk, mapBounded } from '../shared/batch.js';
import type { ClusterTopics } from './diff.js';
import type { ActualConfigEntry, ActualTopic } from './model.js';

/** Topics per DescribeConfigs request, and requests in flight. */
const DESCRIBE_BATCH_SIZE = 250;
const DESCRIBE_CONCURRENCY = 4;

export interface ClusterTopicState extends ClusterTopics {
  /** Every topic config name the broker listed for the described topics (defaults included). */
  knownConfigKeys: Set<string>;
}

/**
 * Reads what the plan compares with: one Metadata request for every topic (names, partitions,
 * replicas), then DescribeConfigs in batches for the declared topics that exist. Undeclared
 * topics (deletion candidates) get partitions and replicas only.
 */
export async function readClusterTopics(admin: Admin, declared: readonly string[]): Promise<ClusterTopicState> {
  const { topics: metadata } = await admin.fetchTopicMetadata();
  const topics = new Map<string, ActualTopic>();
  for (const topic of metadata) topics.set(topic.name, fromMetadata(topic));
  const existingDeclared = declared.filter((name) => topics.has(name));
  const knownConfigKeys = new Set<string>();
  const described = await describeTopicConfigs(admin, existingDeclared);
  for (const [name, config] of described) {
    topics.get(name)!.config = config;
    for (const key of config.keys()) knownConfigKeys.add(key);
  }
  return { names: metadata.map((topic) => topic.name), topics, knownConfigKeys };
}

/** DescribeConfigs for many topics: batched requests, a few in flight. */
export async function describeTopicConfigs(admin: Admin, names: readonly string[]): Promise<Map<string, Map<string, ActualConfigEntry>>> {
  const out = new Map<string, Map<string, ActualConfigEntry>>();
  const batches = chunk(names, DESCRIBE_BATCH_SIZE);
  await mapBounded(batches, DESCRIBE_CONCURRENCY, async (batch) => {
    const response = await admin.describeConfigs({ includeSynonyms: false, resources: batch.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })) });
    for (const resource of response.resources) {
      const config = new Map<string, ActualConfigEntry>();
      for (const entry of resource.configEntries) {
        config.set(entry.configName, {
          value: entry.configValue ?? null,
          // Only TOPIC_CONFIG is the topic's own dynamic config; the other sources are defaults
          // (DescribeConfigs v1+; v0 has no source and marks defaults with isDefault).
          own: entry.configSource !== undefined ? entry.configSource === ConfigSource.TOPIC_CONFIG : !entry.isDefault,
          sensitive: entry.isSensitive,
        });
      }
      out.set(resource.resourceName, config);
    }
  });
  return out;
}

function fromMetadata(topic: ITopicMetadata): ActualTopic {
  return { name: topic.name, partitions: topic.partitions.length, replicationFactor: replicationFactorOf(topic.partitions.map((partition) => partition.replicas.length)) };
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
