import type { Admin, ITopicConfig } from 'kafkajs';
import type { Violation } from '../types.js';
import { chunk, mapBounded, sleep } from '../shared/batch.js';
import { describeTopicConfigs } from './cluster.js';
import type { TopicConfigChange, PartitionIncrease, TopicCreation, TopicPlanState } from './diff.js';
import { suggestKey } from './diff.js';
import { itemFailure, type KafkaAdmin, type KafkaItemError, type TopicConfigAlteration } from '../../clients/kafka/admin.js';
import { kafkaErrorType } from '../../clients/kafka.js';

export const CREATE_BATCH_SIZE = 500;
export const ALTER_BATCH_SIZE = 250;
const NARROWING_CONCURRENCY = 8;

/** Errors about the request or the connection, not about one topic: narrowing them down is pointless. */
const REQUEST_LEVEL_ERRORS = new Set(['REQUEST_TIMED_OUT', 'NOT_CONTROLLER', 'NETWORK_EXCEPTION', 'UNSUPPORTED_VERSION', 'CLUSTER_AUTHORIZATION_FAILED', 'INVALID_REQUEST_TIMEOUT', 'THROTTLING_QUOTA_EXCEEDED']);

export interface BrokerValidationInput {
  /** kafkajs's admin, connected on first use: only new topics and partition increases need it. */
  admin: () => Promise<Admin>;
  /** Per-topic results, for the validate-only IncrementalAlterConfigs. */
  kafkaAdmin: KafkaAdmin;
  state: TopicPlanState;
  /** Topic config names the broker listed; used to explain a refused key. */
  knownConfigKeys: Set<string>;
  /** Existing topics whose configs may be described to learn the known keys when none were read. */
  describableTopics: readonly string[];
  /** Broker-side timeout of CreateTopics, in ms. */
  timeoutMs: number;
}

/**
 * Asks the broker whether it would accept the plan, without changing anything: validate-only
 * CreateTopics for new topics, validate-only IncrementalAlterConfigs with the keys that change,
 * validate-only CreatePartitions for increases. The broker's own rules decide (config names,
 * values, policies, replication factor); kafkajs drops the broker's error text, so a refused
 * topic is narrowed down to the refused keys with further validate-only requests.
 */
export async function validatePlanWithBroker(input: BrokerValidationInput): Promise<Violation[]> {
  const violations: Violation[] = [];
  const explain = keyExplainer(input);
  const [creations, configs, partitions] = await Promise.all([
    validateCreations(input, explain),
    validateConfigChanges(input, explain),
    validatePartitionIncreases(input),
  ]);
  violations.push(...creations, ...configs, ...partitions);
  return violations;
}

type KeyExplainer = (key: string) => Promise<string>;

function keyExplainer(input: BrokerValidationInput): KeyExplainer {
  let known: Promise<Set<string>> | undefined;
  const load = async () => {
    if (input.knownConfigKeys.size > 0 || input.describableTopics.length === 0) return input.knownConfigKeys;
    try {
      const described = await input.kafkaAdmin.describeTopicConfigs(input.describableTopics.slice(0, 1));
      return new Set([...described.values()].flatMap((result) => (result.ok ? result.entries.map((entry) => entry.name) : [])));
    } catch {
      return input.knownConfigKeys;
    }
  };
  return async (key) => {
    known ??= load();
    const keys = await known;
    if (keys.size === 0 || keys.has(key)) return '';
    return `: ${key} is not a topic config this broker knows${suggestKey(key, keys)}`;
  };
}

// --- new topics -----------------------------------------------------------------------------

function topicConfigOf(creation: TopicCreation, config: Record<string, string> = creation.config): ITopicConfig {
  return {
    topic: creation.name,
    // -1 asks the broker for its default (num.partitions, default.replication.factor).
    numPartitions: creation.partitions ?? -1,
    replicationFactor: creation.replicationFactor ?? -1,
    configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
  };
}

/** Per topic, the error the broker gave (type), or nothing when it accepted; throws when the request itself failed. */
async function tryCreate(connectAdmin: () => Promise<Admin>, topics: ITopicConfig[], timeoutMs: number): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  const admin = await connectAdmin();
  try {
    await admin.createTopics({ topics, validateOnly: true, waitForLeaders: false, timeout: timeoutMs });
  } catch (error) {
    const errors = (error as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) throw error;
    for (const item of errors as Array<{ topic?: string; type?: string }>) {
      if (item.topic && item.type) refused.set(item.topic, item.type);
    }
    if (refused.size === 0) throw error;
  }
  return refused;
}

async function validateCreations(input: BrokerValidationInput, explain: KeyExplainer): Promise<Violation[]> {
  const creates = input.state.creates;
  if (creates.length === 0) return [];
  const byName = new Map(creates.map((creation) => [creation.name, creation]));
  const refused = new Map<string, string>();
  await mapBounded(chunk(creates, CREATE_BATCH_SIZE), 2, async (batch) => {
    for (const [topic, type] of await tryCreate(input.admin, batch.map((creation) => topicConfigOf(creation)), input.timeoutMs)) refused.set(topic, type);
  });
  // Another run created it since the plan read the cluster; apply treats that as success.
  const suspects = [...refused].filter(([topic, type]) => type !== 'TOPIC_ALREADY_EXISTS' && byName.has(topic));
  // A refusal of the whole request (POLICY_VIOLATION for too many partitions at once) marks every topic
  // of the batch: ask again per topic, so only the topic at fault is named.
  const confirmed = creates.length === 1 ? suspects : await mapBounded(suspects, NARROWING_CONCURRENCY, async ([topic]) => [topic, (await tryCreate(input.admin, [topicConfigOf(byName.get(topic)!)], input.timeoutMs)).get(topic)] as const);
  const violations: Violation[] = [];
  for (const [topic, type] of confirmed.sort(([a], [b]) => a.localeCompare(b))) {
    if (type === undefined || type === 'TOPIC_ALREADY_EXISTS') continue;
    violations.push(...(await describeRefusedCreation(input, byName.get(topic)!, type, explain)));
  }
  return violations;
}

async function describeRefusedCreation(input: BrokerValidationInput, creation: TopicCreation, type: string, explain: KeyExplainer): Promise<Violation[]> {
  const violation = (rule: string, message: string): Violation => ({ resource: `topic ${creation.name}`, rule, message, file: creation.source });
  switch (type) {
    case 'INVALID_REPLICATION_FACTOR':
      return [violation('broker-refused-replication-factor', `the broker refused replication factor ${creation.replicationFactor ?? '(broker default)'} (INVALID_REPLICATION_FACTOR); it cannot exceed the number of live brokers. Lower replicationFactor.`)];
    case 'INVALID_PARTITIONS':
      return [violation('broker-refused-partitions', `the broker refused ${creation.partitions ?? 'the default number of'} partitions (INVALID_PARTITIONS). Check partitions against the broker's limits.`)];
    case 'INVALID_TOPIC_EXCEPTION':
      return [violation('broker-refused-topic-name', `the broker refused the topic name (INVALID_TOPIC_EXCEPTION); it may collide with an existing topic that differs only in "." and "_". Rename the topic.`)];
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return [violation('not-authorized', `synchook's principal may not create this topic (${type}). Grant it CREATE on the topic (or its prefix) or on the cluster.`)];
    case 'INVALID_CONFIG':
    case 'POLICY_VIOLATION':
    case 'INVALID_REQUEST': {
      // Refused without any config key, the partitions or the replication factor are what the broker objects to
      // (Kafka's controller refuses a request creating too many partitions at once with INVALID_REQUEST or POLICY_VIOLATION).
      if (Object.keys(creation.config).length === 0 || (await tryCreate(input.admin, [topicConfigOf(creation, {})], input.timeoutMs)).has(creation.name)) {
        return [
          violation(
            'broker-refused-partitions',
            `the broker refused to create ${creation.partitions ?? 'the default number of'} partitions with replication factor ${creation.replicationFactor ?? '(broker default)'} (${type}), with or without its config keys. Lower partitions (Kafka limits the partitions one request may create) or check the broker's create.topic.policy.`,
          ),
        ];
      }
      const keys = await refusedCreationKeys(input, creation);
      if (keys.length === 0) {
        return [violation('broker-refused-config', `the broker refused the topic as declared (${type}), though it accepts each config key on its own; check keys that depend on each other (e.g. min.insync.replicas against the replication factor) and the broker's create.topic.policy.`)];
      }
      const out: Violation[] = [];
      for (const key of keys) out.push(violation('broker-refused-config', `the broker refused config ${key}=${creation.config[key]} (${type})${await explain(key)}. Fix the key or its value.`));
      return out;
    }
    default:
      return [violation('broker-refused-topic', `the broker refused to create the topic (${type}).`)];
  }
}

/** The declared keys the broker refuses one at a time (each validated on its own). */
async function refusedCreationKeys(input: BrokerValidationInput, creation: TopicCreation): Promise<string[]> {
  const keys = Object.keys(creation.config).sort();
  const results = await mapBounded(keys, NARROWING_CONCURRENCY, async (key) => {
    const refused = await tryCreate(input.admin, [topicConfigOf(creation, { [key]: creation.config[key]! })], input.timeoutMs);
    const type = refused.get(creation.name);
    return type !== undefined && type !== 'TOPIC_ALREADY_EXISTS' ? key : undefined;
  });
  return results.filter((key): key is string => key !== undefined);
}

// --- config changes of existing topics --------------------------------------------------------

/** Pause before asking again about topics the broker answered with a transient error. */
const TRANSIENT_RETRY_MS = 250;

/**
 * Per topic, the broker's error for the alteration; throws when the request itself failed.
 * LEADER_NOT_AVAILABLE and the other not-ready answers (a topic created a moment ago, a controller
 * moving) say nothing about the config: those topics are asked again until `withinMs` has passed,
 * then the error is raised for the run to report, never a violation.
 */
async function tryAlter(admin: KafkaAdmin, alterations: TopicConfigAlteration[], withinMs: number): Promise<Map<string, KafkaItemError>> {
  const giveUpAt = Date.now() + withinMs;
  const refused = new Map<string, KafkaItemError>();
  let todo = alterations;
  for (let attempt = 0; todo.length > 0; attempt += 1) {
    const results = await admin.alterTopicConfigs(todo, { validateOnly: true });
    const transient: TopicConfigAlteration[] = [];
    for (const alteration of todo) {
      const outcome = results.get(alteration.name);
      if (outcome === undefined || outcome.ok) continue;
      // A topic gone since the plan read it is reported as such (describeRefusedConfigChange).
      if (outcome.error.kind === 'not-ready' && outcome.error.type !== 'UNKNOWN_TOPIC_OR_PARTITION') transient.push(alteration);
      else refused.set(alteration.name, outcome.error);
    }
    if (transient.length > 0 && Date.now() + TRANSIENT_RETRY_MS * 2 ** Math.min(attempt, 4) >= giveUpAt) {
      const { error } = results.get(transient[0]!.name) as { error: KafkaItemError };
      throw Object.assign(new Error(`${error.type} for topic ${transient[0]!.name} while validating its config change: ${error.message}`), { type: error.type, retriable: true });
    }
    if (transient.length > 0) await sleep(TRANSIENT_RETRY_MS * 2 ** Math.min(attempt, 4));
    todo = transient;
  }
  return refused;
}

/**
 * Validate-only IncrementalAlterConfigs with the keys apply will set and delete: the answer names
 * each refused topic with the broker's own message, so only keys of refused topics are narrowed.
 */
async function validateConfigChanges(input: BrokerValidationInput, explain: KeyExplainer): Promise<Violation[]> {
  const changes = input.state.configChanges;
  if (changes.length === 0) return [];
  const refusedBatches = await mapBounded(chunk(changes, ALTER_BATCH_SIZE), 4, (batch) => tryAlter(input.kafkaAdmin, batch, input.timeoutMs));
  const refused = new Map(refusedBatches.flatMap((batch) => [...batch]));
  const violations: Violation[] = [];
  for (const change of changes) {
    const error = refused.get(change.name);
    if (error) violations.push(...(await describeRefusedConfigChange(input, change, error, explain)));
  }
  return violations;
}

async function describeRefusedConfigChange(input: BrokerValidationInput, change: TopicConfigChange, error: KafkaItemError, explain: KeyExplainer): Promise<Violation[]> {
  const violation = (message: string, rule = 'broker-refused-config'): Violation => ({ resource: `topic ${change.name}`, rule, message, file: change.source });
  const { type } = error;
  if (type === 'TOPIC_AUTHORIZATION_FAILED') {
    return [violation(`synchook's principal may not change this topic's config (${type}). Grant it ALTER_CONFIGS and DESCRIBE_CONFIGS on the topic (or its prefix).`, 'not-authorized')];
  }
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return [violation(`the topic disappeared while synchook was planning (${type}). Run again.`, 'topic-vanished')];
  }
  // One declared change at a time, to name the refused keys.
  const candidates = Object.entries(change.set);
  const refused = await mapBounded(candidates, NARROWING_CONCURRENCY, async ([key, value]) => {
    const single = await tryAlter(input.kafkaAdmin, [{ name: change.name, set: { [key]: value }, delete: [] }], input.timeoutMs);
    const keyError = single.get(change.name);
    return keyError ? { key, value, error: keyError } : undefined;
  });
  const keys = refused.filter((item): item is NonNullable<typeof item> => item !== undefined);
  if (keys.length === 0) {
    return [violation(`the broker refused the new config as a whole (${type}: ${error.message}), though it accepts each change on its own; check keys that depend on each other and the broker's alter.config.policy.`)];
  }
  const out: Violation[] = [];
  for (const key of keys) out.push(violation(`the broker refused config ${key.key}=${key.value} (${key.error.type}: ${key.error.message})${await explain(key.key)}. Fix the key or its value.`));
  return out;
}

// --- partition increases -------------------------------------------------------------------

async function tryPartitions(admin: KafkaAdmin, increases: PartitionIncrease[], timeoutMs: number): Promise<Map<string, KafkaItemError>> {
  const results = await admin.createPartitions(increases.map(({ name, to }) => ({ name, count: to })), { validateOnly: true, timeoutMs });
  const refused = new Map<string, KafkaItemError>();
  for (const [name, result] of results) {
    if (result.ok) continue;
    if (REQUEST_LEVEL_ERRORS.has(result.error.type)) throw itemFailure(result.error);
    refused.set(name, result.error);
  }
  return refused;
}

async function validatePartitionIncreases(input: BrokerValidationInput): Promise<Violation[]> {
  const increases = input.state.partitionIncreases;
  if (increases.length === 0) return [];
  // One result per topic: no narrowing down by asking topic by topic.
  const refused = await tryPartitions(input.kafkaAdmin, increases, input.timeoutMs);
  return increases
    .filter(({ name }) => refused.has(name))
    .map((increase) => ({ increase, type: refused.get(increase.name)!.type }))
    .map(({ increase, type }) => ({
      resource: `topic ${increase.name}`,
      rule: type === 'TOPIC_AUTHORIZATION_FAILED' ? 'not-authorized' : 'broker-refused-partitions',
      message:
        type === 'TOPIC_AUTHORIZATION_FAILED'
          ? `synchook's principal may not add partitions to this topic (${type}). Grant it ALTER on the topic (or its prefix).`
          : `the broker refused partitions ${increase.from} → ${increase.to} (${type}). Check the count against the broker's limits and policies.`,
      file: increase.source,
    }));
}
