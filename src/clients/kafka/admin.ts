/**
 * Kafka admin requests with a result per item (topic → ok, or the broker's error for that topic),
 * sent through kafkajs's protocol layer. kafkajs's own admin throws on the first refused item and
 * drops the rest; synchook needs to know exactly which topics the broker confirmed.
 */
import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyKafkaError, kindOfType, type KafkaErrorKind } from './errors.js';
import { ConfigOperation, INCREMENTAL_ALTER_CONFIGS_API_KEY, IncrementalAlterConfigs, type IncrementalConfigResource } from './incremental-alter-configs.js';
import { createProtocolCluster, kafkajsRequest, protocolError, sendUnparsed, type ProtocolBroker, type ProtocolCluster } from './protocol.js';

export interface KafkaItemError {
  /** The protocol error name, e.g. TOPIC_ALREADY_EXISTS. */
  type: string;
  code: number;
  /** The broker's own message when it sent one, else the protocol's description. */
  message: string;
  kind: KafkaErrorKind;
  retriable: boolean;
}

export type ItemResult = { ok: true } | { ok: false; error: KafkaItemError };

export interface NewTopic {
  name: string;
  /** Omitted: the broker default (num.partitions). */
  partitions?: number;
  /** Omitted: the broker default (default.replication.factor). */
  replicationFactor?: number;
  config: Readonly<Record<string, string>>;
}

/** Keys to set and keys to remove (back to the default) on one topic; every other key is left as it is. */
export interface TopicConfigAlteration {
  name: string;
  set: Readonly<Record<string, string>>;
  delete: readonly string[];
}

export interface PartitionState {
  partition: number;
  /** -1 while the partition has no leader. */
  leader: number;
  replicas: number[];
}

export type TopicMetadataResult = { ok: true; partitions: PartitionState[] } | { ok: false; error: KafkaItemError };

/** One config entry of a topic as DescribeConfigs lists it. */
export interface TopicConfigEntry {
  name: string;
  value: string | null;
  /** ConfigSource (DescribeConfigs v1+; 1 = TOPIC_CONFIG); undefined from v0, which has only isDefault. */
  source?: number;
  isDefault: boolean;
  sensitive: boolean;
}

export type TopicConfigsResult = { ok: true; entries: TopicConfigEntry[] } | { ok: false; error: KafkaItemError };

/** A topic as the cluster's metadata lists it. */
export interface ListedTopic {
  name: string;
  partitions: PartitionState[];
}

export interface KafkaAdmin {
  createTopics(topics: readonly NewTopic[], options: { timeoutMs: number; validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** IncrementalAlterConfigs: SET the given keys, DELETE the others named; nothing else on the topic changes. */
  alterTopicConfigs(alterations: readonly TopicConfigAlteration[], options?: { validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** Metadata of the named topics only; a topic the broker does not know is an item error, not a failed request. */
  topicMetadata(names: readonly string[]): Promise<Map<string, TopicMetadataResult>>;
  /**
   * Every topic synchook's principal may see, with its partitions: the one Metadata request that
   * also finds the brokers and the controller (a topic the broker reports an error for is left out).
   */
  listTopics(): Promise<ListedTopic[]>;
  /** DescribeConfigs of topics, without synonyms: as few requests as the broker takes (see DESCRIBE_CONFIGS_BATCH). */
  describeTopicConfigs(names: readonly string[]): Promise<Map<string, TopicConfigsResult>>;
  close(): Promise<void>;
}

export interface KafkaAdminOptions {
  /** Attempts after the first when the request itself fails on a lost connection or a moved controller. */
  retries: number;
  /** Called with the API name of every request sent (for tests and request counts). */
  onRequest?: (apiName: string) => void;
}

/** ConfigResource type of a topic (Kafka's ConfigResource.Type: TOPIC = 2). */
const TOPIC_RESOURCE = 2;
/** API keys (Kafka protocol guide, "Api Keys"). */
const METADATA_API_KEY = 3;
const CREATE_TOPICS_API_KEY = 19;
const DESCRIBE_CONFIGS_API_KEY = 32;

/**
 * Topics per DescribeConfigs request. The broker answers any number from its metadata cache in one
 * request (the request is ~20 bytes a topic, far below socket.request.max.bytes' 100 MiB); the
 * answer is ~2 KiB a topic, so a request is capped to keep one answer near 10 MiB.
 */
export const DESCRIBE_CONFIGS_BATCH = 5_000;

export function itemError(code: number, brokerMessage?: string | null): KafkaItemError {
  const { type, message, retriable } = protocolError(code);
  return { type, code, message: brokerMessage || message, kind: kindOfType(type), retriable };
}

interface CreateTopicsResponse {
  topicErrors: Array<{ topic: string; errorCode: number; errorMessage?: string | null }>;
}

interface MetadataResponse {
  topicMetadata: Array<{ topic: string; topicErrorCode: number; partitionMetadata: Array<{ partitionId: number; leader: number; replicas: number[] }> }>;
}

interface DescribeConfigsResponse {
  resources: Array<{
    errorCode: number;
    errorMessage: string | null;
    resourceName: string;
    configEntries: Array<{ configName: string; configValue: string | null; configSource?: number; isDefault: boolean; isSensitive: boolean }>;
  }>;
}

/**
 * kafkajs keeps the last Metadata answer of its cluster (src/cluster/brokerPool.js, `metadata`):
 * a refresh without target topics asks for every topic, so the answer already lists them all.
 */
interface ClusterMetadataCache {
  brokerPool?: { metadata?: MetadataResponse | null };
}

export function createKafkaAdmin(kafka: Kafka, options: KafkaAdminOptions): KafkaAdmin {
  let cluster: ProtocolCluster | undefined;
  let connected: Promise<ProtocolCluster> | undefined;
  const connect = () => {
    connected ??= (async () => {
      cluster = createProtocolCluster(kafka);
      await cluster.connect();
      return cluster;
    })().catch((error: unknown) => {
      connected = undefined;
      throw error;
    });
    return connected;
  };

  /**
   * Runs a request on the controller, again after a lost connection or NOT_CONTROLLER, a few times.
   * The cluster's metadata is refreshed only when stale (metadataMaxAge) and before a retry: each
   * refresh lists every topic of the cluster, which costs more than most requests it would precede.
   */
  const onController = async <T>(apiName: string, send: (broker: ProtocolBroker) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const current = await connect();
        // A retry always refreshes: the controller may have moved.
        if (attempt > 0) await current.refreshMetadata();
        else await current.refreshMetadataIfNecessary();
        const broker = await current.findControllerBroker();
        options.onRequest?.(apiName);
        return await send(broker);
      } catch (error) {
        const { kind, type } = classifyKafkaError(error);
        if (attempt >= options.retries || (kind !== 'unreachable' && type !== 'NOT_CONTROLLER')) throw error;
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
      }
    }
  };

  return {
    async createTopics(topics, { timeoutMs, validateOnly = false }) {
      const results = new Map<string, ItemResult>();
      if (topics.length === 0) return results;
      const response = await onController('CreateTopics', (broker) => {
        const request = broker.lookupRequest(CREATE_TOPICS_API_KEY, kafkajsRequest<unknown, CreateTopicsResponse>('CreateTopics'))({
          validateOnly,
          timeout: timeoutMs,
          topics: topics.map((topic) => ({
            topic: topic.name,
            // -1 asks the broker for its default (num.partitions, default.replication.factor).
            numPartitions: topic.partitions ?? -1,
            replicationFactor: topic.replicationFactor ?? -1,
            configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
          })),
        });
        return sendUnparsed(broker, request, timeoutMs + 10_000);
      });
      for (const item of response.topicErrors) results.set(item.topic, item.errorCode === 0 ? { ok: true } : { ok: false, error: itemError(item.errorCode, item.errorMessage) });
      return results;
    },

    async alterTopicConfigs(alterations, { validateOnly = false } = {}) {
      const results = new Map<string, ItemResult>();
      if (alterations.length === 0) return results;
      const resources: IncrementalConfigResource[] = alterations.map((alteration) => ({
        resourceType: TOPIC_RESOURCE,
        resourceName: alteration.name,
        configs: [
          ...Object.entries(alteration.set).map(([name, value]) => ({ name, operation: ConfigOperation.SET, value })),
          ...alteration.delete.map((name) => ({ name, operation: ConfigOperation.DELETE, value: null })),
        ],
      }));
      const response = await onController('IncrementalAlterConfigs', (broker) => sendUnparsed(broker, broker.lookupRequest(INCREMENTAL_ALTER_CONFIGS_API_KEY, IncrementalAlterConfigs)({ resources, validateOnly })));
      for (const item of response.responses) results.set(item.resourceName, item.errorCode === 0 ? { ok: true } : { ok: false, error: itemError(item.errorCode, item.errorMessage) });
      return results;
    },

    async topicMetadata(names) {
      const results = new Map<string, TopicMetadataResult>();
      if (names.length === 0) return results;
      const response = await onController('Metadata', (broker) =>
        sendUnparsed(broker, broker.lookupRequest(METADATA_API_KEY, kafkajsRequest<unknown, MetadataResponse>('Metadata'))({ topics: [...names], allowAutoTopicCreation: false })),
      );
      for (const topic of response.topicMetadata) {
        results.set(
          topic.topic,
          topic.topicErrorCode === 0
            ? { ok: true, partitions: topic.partitionMetadata.map((partition) => ({ partition: partition.partitionId, leader: partition.leader, replicas: partition.replicas })) }
            : { ok: false, error: itemError(topic.topicErrorCode) },
        );
      }
      return results;
    },

    async listTopics() {
      const current = await connect();
      // A refresh without target topics is the Metadata request that lists them all; the requests after it reuse its answer.
      options.onRequest?.('Metadata');
      await current.refreshMetadata();
      const metadata = (current as unknown as ClusterMetadataCache).brokerPool?.metadata;
      if (!metadata) throw new Error('the Kafka client holds no metadata after refreshing it');
      return metadata.topicMetadata
        .filter((topic) => topic.topicErrorCode === 0)
        .map((topic) => ({ name: topic.topic, partitions: topic.partitionMetadata.map((partition) => ({ partition: partition.partitionId, leader: partition.leader, replicas: partition.replicas })) }));
    },

    async describeTopicConfigs(names) {
      const results = new Map<string, TopicConfigsResult>();
      for (let start = 0; start < names.length; start += DESCRIBE_CONFIGS_BATCH) {
        const batch = names.slice(start, start + DESCRIBE_CONFIGS_BATCH);
        // Topic configs come from any broker's metadata cache; the controller is one already connected.
        const response = await onController('DescribeConfigs', (broker) =>
          sendUnparsed(
            broker,
            broker.lookupRequest(DESCRIBE_CONFIGS_API_KEY, kafkajsRequest<unknown, DescribeConfigsResponse>('DescribeConfigs'))({
              // No configNames: kafkajs sends an empty list, which the broker answers with every key (as kafkajs's own describeConfigs does).
              resources: batch.map((name) => ({ type: TOPIC_RESOURCE, name })),
              includeSynonyms: false,
            }),
          ),
        );
        for (const resource of response.resources) {
          results.set(
            resource.resourceName,
            resource.errorCode === 0
              ? { ok: true, entries: resource.configEntries.map((entry) => ({ name: entry.configName, value: entry.configValue, source: entry.configSource, isDefault: entry.isDefault, sensitive: entry.isSensitive })) }
              : { ok: false, error: itemError(resource.errorCode, resource.errorMessage) },
          );
        }
      }
      return results;
    },

    async close() {
      const pending = connected;
      connected = undefined;
      if (pending) await pending.then((current) => current.disconnect()).catch(() => undefined);
    },
  };
}
