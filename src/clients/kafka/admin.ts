/**
 * Kafka admin requests with a result per item (topic → ok, or the broker's error for that topic),
 * sent through kafkajs's protocol layer. kafkajs's own admin throws on the first refused item and
 * drops the rest; synchook needs to know exactly which topics the broker confirmed.
 */
import type { Admin, Kafka } from 'kafkajs';
// kafkajs is CommonJS and Node's named-export detection misses its enums; read them off the default export.
import kafkajsEnums from 'kafkajs';
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

export interface KafkaAdmin {
  createTopics(topics: readonly NewTopic[], options: { timeoutMs: number; validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** IncrementalAlterConfigs: SET the given keys, DELETE the others named; nothing else on the topic changes. */
  alterTopicConfigs(alterations: readonly TopicConfigAlteration[], options?: { validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  /** Metadata of the named topics only; a topic the broker does not know is an item error, not a failed request. */
  topicMetadata(names: readonly string[]): Promise<Map<string, TopicMetadataResult>>;
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

    async close() {
      const pending = connected;
      connected = undefined;
      if (pending) await pending.then((current) => current.disconnect()).catch(() => undefined);
    },
  };
}

/** A topic as `synchook import` adopts it: its shape and the configs set on the topic itself. */
export interface TopicInventory {
  name: string;
  partitions: number;
  /** The replica count most partitions have. */
  replicationFactor: number;
  /** Configs whose source is the topic (TOPIC_CONFIG): the non-default ones. */
  config: Record<string, string>;
  /** Own configs the broker does not show (sensitive): they cannot be adopted. */
  hidden: string[];
}

/** One ACL binding with Kafka's enum names (TOPIC, PREFIXED, WRITE, ALLOW). */
export interface AclBindingNames {
  principal: string;
  host: string;
  resourceType: string;
  resourceName: string;
  patternType: string;
  operation: string;
  permission: string;
}

/** Topics per DescribeConfigs request of the inventory. */
const INVENTORY_BATCH = 250;
const nameIn = (table: Record<string, string | number>, value: number): string => Object.entries(table).find(([, code]) => code === value)?.[0] ?? String(value);

/**
 * The topics whose names pass `wanted`, with partitions, replication factor and own configs: one
 * Metadata request, then DescribeConfigs in batches. Internal topics (__consumer_offsets...) never pass.
 */
export async function readTopicInventory(admin: Admin, wanted: (name: string) => boolean): Promise<TopicInventory[]> {
  const { topics } = await admin.fetchTopicMetadata();
  const chosen = topics.filter((topic) => !topic.name.startsWith('__') && wanted(topic.name)).sort((a, b) => a.name.localeCompare(b.name));
  const configs = new Map<string, { config: Record<string, string>; hidden: string[] }>();
  for (let start = 0; start < chosen.length; start += INVENTORY_BATCH) {
    const batch = chosen.slice(start, start + INVENTORY_BATCH);
    const response = await admin.describeConfigs({ includeSynonyms: false, resources: batch.map((topic) => ({ type: kafkajsEnums.ConfigResourceTypes.TOPIC, name: topic.name })) });
    for (const resource of response.resources) {
      const own = { config: {} as Record<string, string>, hidden: [] as string[] };
      for (const entry of resource.configEntries) {
        // DescribeConfigs v1+ gives the source; v0 marks defaults with isDefault.
        const isOwn = entry.configSource !== undefined ? entry.configSource === kafkajsEnums.ConfigSource.TOPIC_CONFIG : !entry.isDefault;
        if (!isOwn) continue;
        if (entry.isSensitive || entry.configValue === null || entry.configValue === undefined) own.hidden.push(entry.configName);
        else own.config[entry.configName] = entry.configValue;
      }
      configs.set(resource.resourceName, own);
    }
  }
  return chosen.map((topic) => {
    const counts = new Map<number, number>();
    for (const partition of topic.partitions) counts.set(partition.replicas.length, (counts.get(partition.replicas.length) ?? 0) + 1);
    const replicationFactor = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
    const own = configs.get(topic.name) ?? { config: {}, hidden: [] };
    return { name: topic.name, partitions: topic.partitions.length, replicationFactor, ...own };
  });
}

/** The ACL bindings of the given principals, in one DescribeAcls request per principal. */
export async function describeAclsOf(admin: Admin, principals: readonly string[]): Promise<AclBindingNames[]> {
  const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajsEnums;
  const out: AclBindingNames[] = [];
  for (const principal of principals) {
    const response = await admin.describeAcls({ principal, resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    for (const resource of response.resources) {
      for (const acl of resource.acls) {
        out.push({
          principal: acl.principal,
          host: acl.host,
          resourceType: nameIn(AclResourceTypes, resource.resourceType),
          resourceName: resource.resourceName,
          patternType: nameIn(ResourcePatternTypes, resource.resourcePatternType),
          operation: nameIn(AclOperationTypes, acl.operation),
          permission: nameIn(AclPermissionTypes, acl.permissionType),
        });
      }
    }
  }
  return out;
}
