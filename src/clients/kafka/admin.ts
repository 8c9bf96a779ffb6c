/**
 * Kafka admin requests with a result per item (topic → ok, or the broker's error for that topic),
 * sent through kafkajs's protocol layer. kafkajs's own admin throws on the first refused item and
 * drops the rest; synchook needs to know exactly which topics the broker confirmed.
 */
import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyKafkaError, kindOfType, type KafkaErrorKind } from './errors.js';
import { ConfigOperation, INCREMENTAL_ALTER_CONFIGS_API_KEY, IncrementalAlterConfigs, type IncrementalConfigResource } from './incremental-alter-configs.js';
import {
  ALTER_PARTITION_REASSIGNMENTS_API_KEY, AlterPartitionReassignments, LIST_PARTITION_REASSIGNMENTS_API_KEY, ListPartitionReassignments, type OngoingPartitionReassignment,
} from './partition-reassignments.js';
import { createProtocolCluster, kafkajsRequest, protocolError, protocolErrorFor, sendUnparsed, type ProtocolBroker, type ProtocolCluster } from './protocol.js';

export type { OngoingPartitionReassignment } from './partition-reassignments.js';

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

/** The replicas one partition is to move to (the first is the preferred leader). */
export interface PartitionReassignment {
  topic: string;
  partition: number;
  replicas: number[];
}

/** Keys to set and keys to remove on one broker's dynamic config (resource name: the broker id). */
export interface BrokerConfigAlteration {
  broker: number;
  set: Readonly<Record<string, string>>;
  delete: readonly string[];
}

export interface ClusterBroker {
  nodeId: number;
  /** broker.rack; null when the broker has none. */
  rack: string | null;
}

/** "topic:partition", the key of per-partition results. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export type TopicMetadataResult = { ok: true; partitions: PartitionState[] } | { ok: false; error: KafkaItemError };

export interface KafkaAdmin {
  createTopics(topics: readonly NewTopic[], options: { timeoutMs: number; validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** IncrementalAlterConfigs: SET the given keys, DELETE the others named; nothing else on the topic changes. */
  alterTopicConfigs(alterations: readonly TopicConfigAlteration[], options?: { validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** Metadata of the named topics only; a topic the broker does not know is an item error, not a failed request. */
  topicMetadata(names: readonly string[]): Promise<Map<string, TopicMetadataResult>>;
  /** The same Metadata request, with the brokers of the cluster and their racks. */
  topicPlacement(names: readonly string[]): Promise<{ brokers: ClusterBroker[]; topics: Map<string, TopicMetadataResult> }>;
  /**
   * AlterPartitionReassignments: start moving each partition to its replicas. The result per
   * "topic:partition" (partitionKey) is the controller's acceptance, not the end of the move.
   */
  alterPartitionReassignments(reassignments: readonly PartitionReassignment[], options: { timeoutMs: number }): Promise<Map<string, ItemResult>>;
  /** AlterPartitionReassignments with null replicas: stop the pending moves of these partitions. */
  cancelPartitionReassignments(partitions: ReadonlyArray<{ topic: string; partition: number }>, options: { timeoutMs: number }): Promise<Map<string, ItemResult>>;
  /** ListPartitionReassignments: the moves in progress, for the named topics' partitions or (null) the whole cluster. */
  listPartitionReassignments(
    topics: ReadonlyArray<{ name: string; partitions: number[] }> | null,
    options: { timeoutMs: number },
  ): Promise<Map<string, OngoingPartitionReassignment[]>>;
  /** IncrementalAlterConfigs on brokers' own dynamic configs, each sent to the broker it changes. */
  alterBrokerConfigs(alterations: readonly BrokerConfigAlteration[]): Promise<Map<number, ItemResult>>;
  close(): Promise<void>;
}

export interface KafkaAdminOptions {
  /** Attempts after the first when the request itself fails on a lost connection or a moved controller. */
  retries: number;
  /** Called with the API name of every request sent (for tests and request counts). */
  onRequest?: (apiName: string) => void;
}

/** ConfigResource types (Kafka's ConfigResource.Type: TOPIC = 2, BROKER = 4). */
const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;
/** API keys (Kafka protocol guide, "Api Keys"). */
const METADATA_API_KEY = 3;
const CREATE_TOPICS_API_KEY = 19;

export function itemError(code: number, brokerMessage?: string | null): KafkaItemError {
  const { type, message, retriable } = protocolError(code);
  return { type, code, message: brokerMessage || message, kind: kindOfType(type), retriable };
}

function configOperations(alteration: { set: Readonly<Record<string, string>>; delete: readonly string[] }): IncrementalConfigResource['configs'] {
  return [
    ...Object.entries(alteration.set).map(([name, value]) => ({ name, operation: ConfigOperation.SET, value })),
    ...alteration.delete.map((name) => ({ name, operation: ConfigOperation.DELETE, value: null })),
  ];
}

interface CreateTopicsResponse {
  topicErrors: Array<{ topic: string; errorCode: number; errorMessage?: string | null }>;
}

interface MetadataResponse {
  brokers: Array<{ nodeId: number; rack?: string | null }>;
  topicMetadata: Array<{ topic: string; topicErrorCode: number; partitionMetadata: Array<{ partitionId: number; leader: number; replicas: number[] }> }>;
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

  /** Runs a request on the controller, again after a lost connection or NOT_CONTROLLER, a few times. */
  const onController = async <T>(apiName: string, send: (broker: ProtocolBroker) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const current = await connect();
        await current.refreshMetadata();
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

  /** Runs a request on one broker (broker configs must go to the broker they change), again after a lost connection. */
  const onBroker = async <T>(apiName: string, nodeId: number, send: (broker: ProtocolBroker) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const current = await connect();
        const broker = await current.findBroker({ nodeId });
        options.onRequest?.(apiName);
        return await send(broker);
      } catch (error) {
        if (attempt >= options.retries || classifyKafkaError(error).kind !== 'unreachable') throw error;
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
        await connected?.then((current) => current.refreshMetadata()).catch(() => undefined);
      }
    }
  };

  const sendReassignments = async (partitions: ReadonlyArray<{ topic: string; partition: number; replicas: number[] | null }>, timeoutMs: number) => {
    const results = new Map<string, ItemResult>();
    if (partitions.length === 0) return results;
    const byTopic = new Map<string, Array<{ partition: number; replicas: number[] | null }>>();
    for (const item of partitions) {
      const list = byTopic.get(item.topic) ?? [];
      list.push({ partition: item.partition, replicas: item.replicas });
      byTopic.set(item.topic, list);
    }
    const response = await onController('AlterPartitionReassignments', async (broker) => {
      const answer = await sendUnparsed(
        broker,
        broker.lookupRequest(ALTER_PARTITION_REASSIGNMENTS_API_KEY, AlterPartitionReassignments)({ timeoutMs, topics: [...byTopic].map(([name, items]) => ({ name, partitions: items })) }),
        timeoutMs + 10_000,
      );
      // A whole-request error (NOT_CONTROLLER, CLUSTER_AUTHORIZATION_FAILED, ...) comes with no per-partition answers.
      if (answer.errorCode !== 0) throw protocolErrorFor(answer.errorCode, answer.errorMessage);
      return answer;
    });
    for (const topic of response.responses) {
      for (const item of topic.partitions) {
        results.set(partitionKey(topic.name, item.partition), item.errorCode === 0 ? { ok: true } : { ok: false, error: itemError(item.errorCode, item.errorMessage) });
      }
    }
    return results;
  };

  const metadata = async (names: readonly string[]) => {
    const topics = new Map<string, TopicMetadataResult>();
    if (names.length === 0) return { brokers: [], topics };
    const response = await onController('Metadata', (broker) =>
      sendUnparsed(broker, broker.lookupRequest(METADATA_API_KEY, kafkajsRequest<unknown, MetadataResponse>('Metadata'))({ topics: [...names], allowAutoTopicCreation: false })),
    );
    for (const topic of response.topicMetadata) {
      topics.set(
        topic.topic,
        topic.topicErrorCode === 0
          ? { ok: true, partitions: topic.partitionMetadata.map((partition) => ({ partition: partition.partitionId, leader: partition.leader, replicas: partition.replicas })) }
          : { ok: false, error: itemError(topic.topicErrorCode) },
      );
    }
    const brokers = response.brokers.map((broker) => ({ nodeId: broker.nodeId, rack: broker.rack ?? null })).sort((a, b) => a.nodeId - b.nodeId);
    return { brokers, topics };
  };

  return {
    async alterPartitionReassignments(reassignments, { timeoutMs }) {
      return sendReassignments(reassignments, timeoutMs);
    },

    async cancelPartitionReassignments(partitions, { timeoutMs }) {
      return sendReassignments(partitions.map((item) => ({ ...item, replicas: null })), timeoutMs);
    },

    async listPartitionReassignments(topics, { timeoutMs }) {
      const response = await onController('ListPartitionReassignments', async (broker) => {
        const answer = await sendUnparsed(
          broker,
          broker.lookupRequest(LIST_PARTITION_REASSIGNMENTS_API_KEY, ListPartitionReassignments)({ timeoutMs, topics: topics ? topics.map((topic) => ({ name: topic.name, partitions: [...topic.partitions] })) : null }),
          timeoutMs + 10_000,
        );
        if (answer.errorCode !== 0) throw protocolErrorFor(answer.errorCode, answer.errorMessage);
        return answer;
      });
      return new Map(response.topics.map((topic) => [topic.name, topic.partitions]));
    },

    async alterBrokerConfigs(alterations) {
      const results = new Map<number, ItemResult>();
      for (const alteration of alterations) {
        const resources: IncrementalConfigResource[] = [{ resourceType: BROKER_RESOURCE, resourceName: String(alteration.broker), configs: configOperations(alteration) }];
        const response = await onBroker('IncrementalAlterConfigs', alteration.broker, (broker) =>
          sendUnparsed(broker, broker.lookupRequest(INCREMENTAL_ALTER_CONFIGS_API_KEY, IncrementalAlterConfigs)({ resources, validateOnly: false })),
        );
        for (const item of response.responses) results.set(Number(item.resourceName), item.errorCode === 0 ? { ok: true } : { ok: false, error: itemError(item.errorCode, item.errorMessage) });
      }
      return results;
    },

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
        configs: configOperations(alteration),
      }));
      const response = await onController('IncrementalAlterConfigs', (broker) => sendUnparsed(broker, broker.lookupRequest(INCREMENTAL_ALTER_CONFIGS_API_KEY, IncrementalAlterConfigs)({ resources, validateOnly })));
      for (const item of response.responses) results.set(item.resourceName, item.errorCode === 0 ? { ok: true } : { ok: false, error: itemError(item.errorCode, item.errorMessage) });
      return results;
    },

    async topicMetadata(names) {
      return (await metadata(names)).topics;
    },

    async topicPlacement(names) {
      return metadata(names);
    },

    async close() {
      const pending = connected;
      connected = undefined;
      if (pending) await pending.then((current) => current.disconnect()).catch(() => undefined);
    },
  };
}
