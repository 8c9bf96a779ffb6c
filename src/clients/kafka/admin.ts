/**
 * Kafka admin requests with a result per item (topic → ok, or the broker's error for that topic),
 * sent through kafkajs's protocol layer. kafkajs's own admin throws on the first refused item and
 * drops the rest; synchook needs to know exactly which topics the broker confirmed.
 */
import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyKafkaError, kindOfType, type KafkaErrorKind } from './errors.js';
import { ConfigOperation, INCREMENTAL_ALTER_CONFIGS_API_KEY, IncrementalAlterConfigs, type IncrementalConfigResource } from './incremental-alter-configs.js';
import { ALTER_CLIENT_QUOTAS_API_KEY, AlterClientQuotas, DESCRIBE_CLIENT_QUOTAS_API_KEY, DescribeClientQuotas, type QuotaEntityPart } from './client-quotas.js';
import { createProtocolCluster, kafkajsRequest, protocolError, protocolErrorObject, sendUnparsed, type ProtocolBroker, type ProtocolCluster } from './protocol.js';

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

/** A client-quota entity: user, client-id, or both; a `null` name is the default entity of its type. */
export interface QuotaEntity {
  user?: string | null;
  clientId?: string | null;
}

export interface ClientQuotas {
  entity: QuotaEntity;
  /** Quota keys (producer_byte_rate, consumer_byte_rate, request_percentage, controller_mutation_rate) and values. */
  values: Record<string, number>;
}

/** Keys to set and keys to remove on one quota entity. */
export interface ClientQuotaAlteration {
  entity: QuotaEntity;
  set: Readonly<Record<string, number>>;
  remove: readonly string[];
}

/** One stable text per entity, the key of per-entity results: `user=orders-app,client-id=<default>`. */
export function quotaEntityKey(entity: QuotaEntity): string {
  const parts: string[] = [];
  if (entity.user !== undefined) parts.push(`user=${entity.user ?? '<default>'}`);
  if (entity.clientId !== undefined) parts.push(`client-id=${entity.clientId ?? '<default>'}`);
  return parts.join(',');
}

function toEntityParts(entity: QuotaEntity): QuotaEntityPart[] {
  const parts: QuotaEntityPart[] = [];
  if (entity.user !== undefined) parts.push({ entityType: 'user', entityName: entity.user });
  if (entity.clientId !== undefined) parts.push({ entityType: 'client-id', entityName: entity.clientId });
  return parts;
}

/** The entity of a described quota, or undefined for entity types synchook does not manage (ip). */
function fromEntityParts(parts: QuotaEntityPart[]): QuotaEntity | undefined {
  const entity: QuotaEntity = {};
  for (const part of parts) {
    if (part.entityType === 'user') entity.user = part.entityName;
    else if (part.entityType === 'client-id') entity.clientId = part.entityName;
    else return undefined;
  }
  return entity;
}

export interface KafkaAdmin {
  createTopics(topics: readonly NewTopic[], options: { timeoutMs: number; validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** IncrementalAlterConfigs: SET the given keys, DELETE the others named; nothing else on the topic changes. */
  alterTopicConfigs(alterations: readonly TopicConfigAlteration[], options?: { validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** Metadata of the named topics only; a topic the broker does not know is an item error, not a failed request. */
  topicMetadata(names: readonly string[]): Promise<Map<string, TopicMetadataResult>>;
  /** Every user, client-id and user+client-id quota the cluster holds (ip quotas are left out). */
  describeClientQuotas(): Promise<ClientQuotas[]>;
  /** AlterClientQuotas: per entity, SET the given keys and remove the others named; keyed by quotaEntityKey(). */
  alterClientQuotas(alterations: readonly ClientQuotaAlteration[], options?: { validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
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

    async describeClientQuotas() {
      // No component and strict false: every entity (Kafka's ClientQuotaFilter.all()).
      const response = await onController('DescribeClientQuotas', (broker) =>
        sendUnparsed(broker, broker.lookupRequest(DESCRIBE_CLIENT_QUOTAS_API_KEY, DescribeClientQuotas)({ components: [], strict: false })),
      );
      if (response.errorCode !== 0) throw protocolErrorObject(response.errorCode, response.errorMessage);
      const quotas: ClientQuotas[] = [];
      for (const entry of response.entries) {
        const entity = fromEntityParts(entry.entity);
        if (entity) quotas.push({ entity, values: Object.fromEntries(entry.values.map((value) => [value.key, value.value])) });
      }
      return quotas;
    },

    async alterClientQuotas(alterations, { validateOnly = false } = {}) {
      const results = new Map<string, ItemResult>();
      if (alterations.length === 0) return results;
      const entries = alterations.map((alteration) => ({
        entity: toEntityParts(alteration.entity),
        ops: [
          ...Object.entries(alteration.set).map(([key, value]) => ({ key, value, remove: false })),
          ...alteration.remove.map((key) => ({ key, value: 0, remove: true })),
        ],
      }));
      const response = await onController('AlterClientQuotas', (broker) => sendUnparsed(broker, broker.lookupRequest(ALTER_CLIENT_QUOTAS_API_KEY, AlterClientQuotas)({ entries, validateOnly })));
      for (const item of response.entries) {
        const entity = fromEntityParts(item.entity) ?? {};
        results.set(quotaEntityKey(entity), item.errorCode === 0 ? { ok: true } : { ok: false, error: itemError(item.errorCode, item.errorMessage) });
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
