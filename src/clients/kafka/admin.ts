/**
 * Every Kafka admin request synchook sends goes through this module.
 *
 * Requests about many items (topics, ACLs) answer with a result per item (ok, or the broker's
 * error for that item, its reason classified by ./errors.ts): they are sent through kafkajs's
 * protocol layer, because kafkajs's own admin throws on the first refused item and drops the rest,
 * and synchook needs to know exactly which items the broker confirmed. A request that fails as a
 * whole (no connection, no answer) throws the kafkajs error; callers turn it into synchook's error
 * with kafkaFailure().
 *
 * Requests that need a group coordinator or partition leaders (consumer groups, offsets) are
 * passed to kafkajs's admin, which finds them; this module is the only code that uses it.
 */
import { AssignerProtocol, type Admin, type Kafka } from 'kafkajs';
// kafkajs is CommonJS and Node's named-export detection misses its enums; read them off the default export.
import kafkajsEnums from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyKafkaError, kafkaErrorType, kindOfType, rootMessage, type KafkaErrorKind } from './errors.js';
import { ConfigOperation, INCREMENTAL_ALTER_CONFIGS_API_KEY, IncrementalAlterConfigs, type IncrementalConfigResource } from './incremental-alter-configs.js';
import { ALTER_CLIENT_QUOTAS_API_KEY, AlterClientQuotas, DESCRIBE_CLIENT_QUOTAS_API_KEY, DescribeClientQuotas, type QuotaEntityPart } from './client-quotas.js';
import {
  ALTER_PARTITION_REASSIGNMENTS_API_KEY, AlterPartitionReassignments, LIST_PARTITION_REASSIGNMENTS_API_KEY, ListPartitionReassignments, type OngoingPartitionReassignment,
} from './partition-reassignments.js';
import { createProtocolCluster, kafkajsRequest, protocolError, protocolErrorFor, protocolErrorInstance, sendUnparsed, type ProtocolBroker, type ProtocolCluster } from './protocol.js';

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

interface NewTopic {
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
  /** In-sync replicas. */
  isr: number[];
}

/**
 * One ACL binding or filter as the protocol carries it: resource type, pattern type, operation and
 * permission as Kafka's numeric codes (kafkajs's AclResourceTypes, ResourcePatternTypes,
 * AclOperationTypes, AclPermissionTypes). In a filter, null names and ANY codes match everything.
 */
export interface AclEntry {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

export interface AclFilter extends Omit<AclEntry, 'resourceName' | 'principal' | 'host'> {
  resourceName: string | null;
  principal: string | null;
  host: string | null;
}

/** The bindings a DeleteAcls filter removed, or why the broker refused the filter. */
type AclDeletionResult = { ok: true; deleted: AclEntry[] } | { ok: false; error: KafkaItemError };

interface PartitionCount {
  name: string;
  /** The new total number of partitions. */
  count: number;
}

export interface GroupDescription {
  groupId: string;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  protocolType: string;
  members: number;
  /** Topics assigned to the members, read from their assignments when the group uses the consumer protocol. */
  assignedTopics: string[];
}

interface TopicOffsets {
  partition: number;
  /** Log start offset. */
  low: string;
  /** End offset (high watermark). */
  high: string;
}

interface CommittedOffsets {
  topic: string;
  partitions: Array<{ partition: number; offset: string }>;
}

/** The replicas one partition is to move to (the first is the preferred leader). */
interface PartitionReassignment {
  topic: string;
  partition: number;
  replicas: number[];
}

/** Keys to set and keys to remove on one broker's dynamic config (resource name: the broker id). */
interface BrokerConfigAlteration {
  broker: number;
  set: Readonly<Record<string, string>>;
  delete: readonly string[];
}

interface ClusterBroker {
  nodeId: number;
  /** broker.rack; null when the broker has none. */
  rack: string | null;
}

/** "topic:partition", the key of per-partition results. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export type TopicMetadataResult = { ok: true; partitions: PartitionState[] } | { ok: false; error: KafkaItemError };

/** One config entry of a topic as DescribeConfigs lists it. */
interface TopicConfigEntry {
  name: string;
  value: string | null;
  /** ConfigSource (DescribeConfigs v1+; 1 = TOPIC_CONFIG); undefined from v0, which has only isDefault. */
  source?: number;
  isDefault: boolean;
  sensitive: boolean;
}

type TopicConfigsResult = { ok: true; entries: TopicConfigEntry[] } | { ok: false; error: KafkaItemError };

/** A topic as the cluster's metadata lists it. */
interface ListedTopic {
  name: string;
  partitions: PartitionState[];
}

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
  /**
   * Every topic synchook's principal may see, with its partitions: the one Metadata request that
   * also finds the brokers and the controller (a topic the broker reports an error for is left out).
   */
  listTopics(): Promise<ListedTopic[]>;
  /** DescribeConfigs of topics, without synonyms: as few requests as the broker takes (see DESCRIBE_CONFIGS_BATCH). */
  describeTopicConfigs(names: readonly string[]): Promise<Map<string, TopicConfigsResult>>;
  /** CreatePartitions: raise each topic's partition count to `count`. */
  createPartitions(increases: readonly PartitionCount[], options: { timeoutMs: number; validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
  deleteTopics(names: readonly string[], options: { timeoutMs: number }): Promise<Map<string, ItemResult>>;
  /** DescribeAcls with one filter (by default every ACL of the cluster). */
  describeAcls(filter?: AclFilter): Promise<AclEntry[]>;
  /** CreateAcls: one result per binding, in the order given. */
  createAcls(bindings: readonly AclEntry[]): Promise<ItemResult[]>;
  /** DeleteAcls: one result per filter, in the order given. */
  deleteAcls(filters: readonly AclFilter[]): Promise<AclDeletionResult[]>;
  /** DescribeGroups of one group, at its coordinator. A group nobody joined is Dead. */
  describeGroup(groupId: string): Promise<GroupDescription>;
  /** ListGroups on every broker: the ids of all groups. */
  listGroupIds(): Promise<string[]>;
  /** OffsetFetch: the offsets the group committed, for every topic it committed to. */
  committedOffsets(groupId: string): Promise<CommittedOffsets[]>;
  /** ListOffsets at the partition leaders: log start and end offset of every partition. */
  topicOffsets(topic: string): Promise<TopicOffsets[]>;
  /** DeleteGroups of one group, at its coordinator. */
  deleteGroup(groupId: string): Promise<ItemResult>;
  /** Every user, client-id and user+client-id quota the cluster holds (ip quotas are left out). */
  describeClientQuotas(): Promise<ClientQuotas[]>;
  /** AlterClientQuotas: per entity, SET the given keys and remove the others named; keyed by quotaEntityKey(). */
  alterClientQuotas(alterations: readonly ClientQuotaAlteration[], options?: { validateOnly?: boolean }): Promise<Map<string, ItemResult>>;
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
const DELETE_TOPICS_API_KEY = 20;
const DESCRIBE_ACLS_API_KEY = 29;
const CREATE_ACLS_API_KEY = 30;
const DELETE_ACLS_API_KEY = 31;
const CREATE_PARTITIONS_API_KEY = 37;

/** A filter matching every ACL: ANY (1) for the codes, null for the names (Kafka's AclBindingFilter.ANY). */
const ANY_ACL: AclFilter = { resourceType: 1, resourceName: null, patternType: 1, principal: null, host: null, operation: 1, permission: 1 };

const DESCRIBE_CONFIGS_API_KEY = 32;

/**
 * Topics per DescribeConfigs request. The broker answers any number from its metadata cache in one
 * request (the request is ~20 bytes a topic, far below socket.request.max.bytes' 100 MiB); the
 * answer is ~2 KiB a topic, so a request is capped to keep one answer near 10 MiB.
 */
const DESCRIBE_CONFIGS_BATCH = 5_000;

export function itemError(code: number, brokerMessage?: string | null): KafkaItemError {
  const { type, message, retriable } = protocolError(code);
  return { type, code, message: brokerMessage || message, kind: kindOfType(type), retriable };
}

/** The per-item form of an error kafkajs threw for one item (a group, say). */
function itemErrorOf(error: unknown): KafkaItemError {
  const { kind, type, retriable } = classifyKafkaError(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  return { type: type ?? 'UNKNOWN', code: typeof code === 'number' ? code : -1, message: rootMessage(error), kind, retriable };
}

/** An item's refusal as a thrown error, for a caller that stops at the first one; the classifier reads it like kafkajs's own. */
export function itemFailure(error: KafkaItemError): Error & { type: string; code: number; retriable: boolean } {
  return Object.assign(new Error(error.message), { name: 'KafkaItemError', type: error.type, code: error.code, retriable: error.retriable });
}

/** Throws the first refusal among per-item results (for callers that stop there), except refusals of the types in `ignore`. */
export function throwFirstRefusal(results: Iterable<{ ok: true } | { ok: false; error: KafkaItemError }>, ignore: readonly string[] = []): void {
  for (const result of results) if (!result.ok && !ignore.includes(result.error.type)) throw itemFailure(result.error);
}

const resultOf = (errorCode: number, errorMessage?: string | null): ItemResult => (errorCode === 0 ? { ok: true } : { ok: false, error: itemError(errorCode, errorMessage) });

/** Throws kafkajs's own error for a request-level error code, so the classifier reads it like any other. */
function throwIfFailed(errorCode: number, errorMessage?: string | null): void {
  if (errorCode === 0) return;
  const error = protocolErrorInstance(errorCode);
  if (errorMessage) error.message = `${error.message} (${errorMessage})`;
  throw error;
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
  topicMetadata: Array<{ topic: string; topicErrorCode: number; partitionMetadata: Array<{ partitionId: number; leader: number; replicas: number[]; isr: number[] }> }>;
}

interface TopicErrorsResponse {
  topicErrors: Array<{ topic: string; errorCode: number; errorMessage?: string | null }>;
}

interface DescribeAclsResponse {
  errorCode: number;
  errorMessage?: string | null;
  resources: Array<{ resourceType: number; resourceName: string; resourcePatternType?: number; acls: Array<{ principal: string; host: string; operation: number; permissionType: number }> }>;
}

interface CreateAclsResponse {
  creationResponses: Array<{ errorCode: number; errorMessage?: string | null }>;
}

interface DeleteAclsResponse {
  filterResponses: Array<{
    errorCode: number;
    errorMessage?: string | null;
    matchingAcls: Array<{ errorCode: number; errorMessage?: string | null; resourceType: number; resourceName: string; resourcePatternType?: number; principal: string; host: string; operation: number; permissionType: number }>;
  }>;
}

/** LITERAL (3): the only pattern type of DescribeAcls / DeleteAcls v0 answers, which lack the field. */
const LITERAL_PATTERN = 3;

const toWireAcl = (acl: AclEntry | AclFilter) => ({
  resourceType: acl.resourceType,
  resourceName: acl.resourceName,
  resourcePatternType: acl.patternType,
  principal: acl.principal,
  host: acl.host,
  operation: acl.operation,
  permissionType: acl.permission,
});

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

  // kafkajs's admin, for the requests that need a group coordinator or partition leaders.
  let groupAdmin: Promise<Admin> | undefined;
  const kafkajsAdmin = () => {
    groupAdmin ??= (async () => {
      const admin = kafka.admin({ retry: { retries: options.retries, maxRetryTime: 5_000, initialRetryTime: 250 } });
      try {
        await admin.connect();
      } catch (error) {
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
      return admin;
    })().catch((error: unknown) => {
      groupAdmin = undefined;
      throw error;
    });
    return groupAdmin;
  };
  const viaKafkajs = async <T>(apiName: string, call: (admin: Admin) => Promise<T>): Promise<T> => {
    const admin = await kafkajsAdmin();
    options.onRequest?.(apiName);
    return call(admin);
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
          ? { ok: true, partitions: topic.partitionMetadata.map((partition) => ({ partition: partition.partitionId, leader: partition.leader, replicas: partition.replicas, isr: partition.isr })) }
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
      for (const item of response.topicErrors) results.set(item.topic, resultOf(item.errorCode, item.errorMessage));
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
      for (const item of response.responses) results.set(item.resourceName, resultOf(item.errorCode, item.errorMessage));
      return results;
    },

    async topicMetadata(names) {
      return (await metadata(names)).topics;
    },

    async topicPlacement(names) {
      return metadata(names);
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
        .map((topic) => ({ name: topic.topic, partitions: topic.partitionMetadata.map((partition) => ({ partition: partition.partitionId, leader: partition.leader, replicas: partition.replicas, isr: partition.isr })) }));
    },

    async createPartitions(increases, { timeoutMs, validateOnly = false }) {
      const results = new Map<string, ItemResult>();
      if (increases.length === 0) return results;
      const response = await onController('CreatePartitions', (broker) =>
        sendUnparsed(
          broker,
          broker.lookupRequest(CREATE_PARTITIONS_API_KEY, kafkajsRequest<unknown, TopicErrorsResponse>('CreatePartitions'))({
            topicPartitions: increases.map(({ name, count }) => ({ topic: name, count })),
            validateOnly,
            timeout: timeoutMs,
          }),
          timeoutMs + 10_000,
        ),
      );
      for (const item of response.topicErrors) results.set(item.topic, resultOf(item.errorCode, item.errorMessage));
      return results;
    },

    async deleteTopics(names, { timeoutMs }) {
      const results = new Map<string, ItemResult>();
      if (names.length === 0) return results;
      const response = await onController('DeleteTopics', (broker) =>
        sendUnparsed(broker, broker.lookupRequest(DELETE_TOPICS_API_KEY, kafkajsRequest<unknown, TopicErrorsResponse>('DeleteTopics'))({ topics: [...names], timeout: timeoutMs }), timeoutMs + 10_000),
      );
      for (const item of response.topicErrors) results.set(item.topic, resultOf(item.errorCode, item.errorMessage));
      return results;
    },

    async describeAcls(filter = ANY_ACL) {
      const response = await onController('DescribeAcls', (broker) => sendUnparsed(broker, broker.lookupRequest(DESCRIBE_ACLS_API_KEY, kafkajsRequest<unknown, DescribeAclsResponse>('DescribeAcls'))(toWireAcl(filter))));
      throwIfFailed(response.errorCode, response.errorMessage);
      return response.resources.flatMap((resource) =>
        resource.acls.map((acl) => ({
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          patternType: resource.resourcePatternType ?? LITERAL_PATTERN,
          principal: acl.principal,
          host: acl.host,
          operation: acl.operation,
          permission: acl.permissionType,
        })),
      );
    },

    async createAcls(bindings) {
      if (bindings.length === 0) return [];
      const response = await onController('CreateAcls', (broker) => sendUnparsed(broker, broker.lookupRequest(CREATE_ACLS_API_KEY, kafkajsRequest<unknown, CreateAclsResponse>('CreateAcls'))({ creations: bindings.map(toWireAcl) })));
      return bindings.map((_, index) => {
        const item = response.creationResponses[index];
        return item ? resultOf(item.errorCode, item.errorMessage) : { ok: false, error: { ...itemError(-1), message: 'the broker sent no result for this binding' } };
      });
    },

    async deleteAcls(filters) {
      if (filters.length === 0) return [];
      const response = await onController('DeleteAcls', (broker) => sendUnparsed(broker, broker.lookupRequest(DELETE_ACLS_API_KEY, kafkajsRequest<unknown, DeleteAclsResponse>('DeleteAcls'))({ filters: filters.map(toWireAcl) })));
      return filters.map((_, index): AclDeletionResult => {
        const item = response.filterResponses[index];
        if (!item) return { ok: false, error: { ...itemError(-1), message: 'the broker sent no result for this filter' } };
        if (item.errorCode !== 0) return { ok: false, error: itemError(item.errorCode, item.errorMessage) };
        const refused = item.matchingAcls.find((acl) => acl.errorCode !== 0);
        if (refused) return { ok: false, error: itemError(refused.errorCode, refused.errorMessage) };
        return {
          ok: true,
          deleted: item.matchingAcls.map((acl) => ({
            resourceType: acl.resourceType,
            resourceName: acl.resourceName,
            patternType: acl.resourcePatternType ?? LITERAL_PATTERN,
            principal: acl.principal,
            host: acl.host,
            operation: acl.operation,
            permission: acl.permissionType,
          })),
        };
      });
    },

    async describeGroup(groupId) {
      const { groups } = await viaKafkajs('DescribeGroups', (admin) => admin.describeGroups([groupId]));
      const group = groups.find((candidate) => candidate.groupId === groupId);
      if (!group) return { groupId, state: 'Dead', protocolType: '', members: 0, assignedTopics: [] };
      const topics = new Set<string>();
      for (const member of group.members) {
        if (group.protocolType !== 'consumer' || member.memberAssignment.length === 0) continue;
        try {
          const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
          for (const topic of Object.keys(assignment?.assignment ?? {})) topics.add(topic);
        } catch {
          // An assignment in another format (a custom protocol) names no topics we can read.
        }
      }
      return { groupId, state: group.state, protocolType: group.protocolType, members: group.members.length, assignedTopics: [...topics].sort() };
    },

    async listGroupIds() {
      const { groups } = await viaKafkajs('ListGroups', (admin) => admin.listGroups());
      return groups.map((group) => group.groupId);
    },

    async committedOffsets(groupId) {
      // Without topics, OffsetFetch answers every topic the group committed offsets for.
      const committed = await viaKafkajs('OffsetFetch', (admin) => admin.fetchOffsets({ groupId }));
      return committed.map(({ topic, partitions }) => ({ topic, partitions: partitions.map(({ partition, offset }) => ({ partition, offset })) }));
    },

    async topicOffsets(topic) {
      const offsets = await viaKafkajs('ListOffsets', (admin) => admin.fetchTopicOffsets(topic));
      return offsets.map(({ partition, low, high }) => ({ partition, low, high }));
    },

    async deleteGroup(groupId) {
      try {
        await viaKafkajs('DeleteGroups', (admin) => admin.deleteGroups([groupId]));
        return { ok: true };
      } catch (error) {
        // kafkajs's KafkaJSDeleteGroupsError carries the group's own protocol error in groups[].error.
        const own = (error as { groups?: Array<{ error?: unknown }> }).groups?.[0]?.error;
        if (own && kafkaErrorType(own) !== undefined) return { ok: false, error: itemErrorOf(own) };
        throw error;
      }
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

    async describeClientQuotas() {
      // No component and strict false: every entity (Kafka's ClientQuotaFilter.all()).
      const response = await onController('DescribeClientQuotas', (broker) =>
        sendUnparsed(broker, broker.lookupRequest(DESCRIBE_CLIENT_QUOTAS_API_KEY, DescribeClientQuotas)({ components: [], strict: false })),
      );
      throwIfFailed(response.errorCode, response.errorMessage);
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
      const pendingAdmin = groupAdmin;
      connected = undefined;
      groupAdmin = undefined;
      await Promise.all([
        pending?.then((current) => current.disconnect()).catch(() => undefined),
        pendingAdmin?.then((admin) => admin.disconnect()).catch(() => undefined),
      ]);
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
