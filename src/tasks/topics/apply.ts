import type { Admin, ITopicConfig, ITopicMetadata } from 'kafkajs';
import { TaskFailedError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { chunk, mapBounded, sleep } from './batch.js';
import { ALTER_BATCH_SIZE, CREATE_BATCH_SIZE } from './broker-validation.js';
import type { ConfigChange, TopicPlanState } from './diff.js';
import { ConfigResourceTypes } from './kafka-enums.js';
import { isConnectionFailure } from '../../clients/kafka.js';
import { kafkaErrorType } from './kafka-errors.js';
import { describeTopicConfigs } from './cluster.js';
import { sameConfigValue } from './config-values.js';
import type { ActualConfigEntry } from './model.js';

const ALTER_CONCURRENCY = 4;
const LEADER_POLL_MS = 150;

export interface ApplyTopicsInput {
  admin: Admin;
  state: TopicPlanState;
  /** Broker-side timeout of CreateTopics, CreatePartitions and DeleteTopics, in ms. */
  requestTimeoutMs: number;
  /** How long to wait until the broker serves the changes, in ms (already bounded by the task deadline). */
  settleTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
}

export interface TopicApplyResult {
  created: string[];
  /** Declared new, but created by someone else (a concurrent run) before this one got there. */
  alreadyExisted: string[];
  partitionsIncreased: string[];
  configsChanged: string[];
  deleted: string[];
}

/**
 * Applies a topic plan: one CreateTopics request per batch of new topics, one CreatePartitions
 * request for every increase, AlterConfigs with each topic's full config in batches, then the
 * deletions. Kafka's controller answers once a change is committed, before the brokers serve it,
 * so apply then waits until the broker shows every change: a leader for every new partition, the
 * new configs, deleted topics gone. A rerun right after therefore plans nothing. Stops at the
 * first failed step with an error that says what was applied before it.
 */
export async function applyTopicPlan(input: ApplyTopicsInput): Promise<TopicApplyResult> {
  const result: TopicApplyResult = { created: [], alreadyExisted: [], partitionsIncreased: [], configsChanged: [], deleted: [] };
  const stopIfAborted = () => {
    if (input.signal.aborted) throw input.signal.reason;
  };
  const failed = (step: string, detail: string, cause?: unknown) =>
    new TaskFailedError(`topics: ${step} failed: ${detail}. Applied before the failure: ${describeApplied(result)}. Fix the cause and run again; synchook picks up where this run stopped.`, { cause });

  const timed = async (step: string, body: () => Promise<void>) => {
    stopIfAborted();
    const started = Date.now();
    await body();
    input.log.debug({ step, ms: Date.now() - started }, 'topics apply step done');
  };
  // Deletions first: they are the writes an ACL most often refuses, and a refusal then leaves
  // every other change unwritten rather than half of the plan applied.
  await timed('delete topics', () => deleteTopics(input, result, failed));
  await timed('create topics', () => createTopics(input, result, failed));
  await timed('add partitions', () => increasePartitions(input, result, failed));
  await timed('alter configs', () => alterConfigs(input, result, failed));
  const until = Date.now() + input.settleTimeoutMs;
  await timed('wait for leaders', () => waitForLeaders(input, result, failed, until));
  await timed('wait for configs', () => waitForConfigs(input, result, failed, until));
  await timed('wait for deletions', () => waitForDeletions(input, result, failed, until));
  return result;
}

type Failure = (step: string, detail: string, cause?: unknown) => TaskFailedError;

async function createTopics(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<void> {
  const refused: string[] = [];
  await mapBounded(chunk(input.state.creates, CREATE_BATCH_SIZE), 2, async (batch) => {
    const topics: ITopicConfig[] = batch.map((creation) => ({
      topic: creation.name,
      numPartitions: creation.partitions ?? -1,
      replicationFactor: creation.replicationFactor ?? -1,
      configEntries: Object.entries(creation.config).map(([name, value]) => ({ name, value })),
    }));
    const errors = new Map<string, string>();
    try {
      // Leaders are awaited once for all topics at the end, not per batch. kafkajs answers false
      // when every refusal was TOPIC_ALREADY_EXISTS, without saying which topics those were; the
      // batch then counts as created (by this run or a concurrent one) and all of it is awaited.
      const allNew = await input.admin.createTopics({ topics, waitForLeaders: false, timeout: input.requestTimeoutMs });
      if (!allNew) input.log.info({ topics: batch.length }, 'some topics of the batch were created meanwhile by another run; counted as done');
    } catch (error) {
      const items = (error as { errors?: unknown }).errors;
      // Not the broker refusing topics (a lost connection, a timeout): the caller maps it (exit 3).
      if (!Array.isArray(items)) throw error;
      for (const item of items as Array<{ topic?: string; type?: string }>) if (item.topic) errors.set(item.topic, item.type ?? 'UNKNOWN');
    }
    for (const creation of batch) {
      const type = errors.get(creation.name);
      if (type === undefined) result.created.push(creation.name);
      // A concurrent run created it first: the declared state is reached all the same.
      else if (type === 'TOPIC_ALREADY_EXISTS') result.alreadyExisted.push(creation.name);
      else refused.push(`${creation.name} (${type})`);
    }
  });
  if (result.alreadyExisted.length > 0) input.log.info({ topics: result.alreadyExisted }, 'topics already existed (created concurrently); counted as done');
  if (refused.length > 0) throw failed('creating topics', `the broker refused ${listSome(refused)}`);
}

async function increasePartitions(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<void> {
  const increases = input.state.partitionIncreases;
  if (increases.length === 0) return;
  try {
    await input.admin.createPartitions({ timeout: input.requestTimeoutMs, topicPartitions: increases.map(({ name, to }) => ({ topic: name, count: to })) });
    result.partitionsIncreased.push(...increases.map(({ name }) => name));
    return;
  } catch (error) {
    if (kafkaErrorType(error) === undefined) throw error;
    // The response names only the first refusal; read back which topics reached their count
    // (a concurrent run may have added the partitions first).
    const counts = await partitionCounts(input.admin, increases.map(({ name }) => name)).catch(() => new Map<string, number>());
    const missing: string[] = [];
    for (const increase of increases) {
      if ((counts.get(increase.name) ?? 0) >= increase.to) result.partitionsIncreased.push(increase.name);
      else missing.push(`${increase.name} (${increase.from} → ${increase.to})`);
    }
    if (missing.length > 0) throw failed('adding partitions', `${listSome(missing)} (${kafkaErrorType(error) ?? (error as Error).message})`, error);
  }
}

async function alterConfigs(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<void> {
  const changes = input.state.configChanges;
  if (changes.length === 0) return;
  const send = (batch: typeof changes) =>
    input.admin.alterConfigs({
      validateOnly: false,
      resources: batch.map((change) => ({
        type: ConfigResourceTypes.TOPIC,
        name: change.name,
        // The whole dynamic config: AlterConfigs replaces it, so undeclared keys set on the topic ride along.
        configEntries: Object.entries(change.full).map(([name, value]) => ({ name, value })),
      })),
    });
  const refused: string[] = [];
  let firstError: unknown;
  await mapBounded(chunk(changes, ALTER_BATCH_SIZE), ALTER_CONCURRENCY, async (batch) => {
    try {
      await send(batch);
      result.configsChanged.push(...batch.map(({ name }) => name));
    } catch (error) {
      if (kafkaErrorType(error) === undefined) throw error;
      // Only the first refused resource is reported; setting the same full config again is harmless, so retry one by one.
      await mapBounded(batch, 8, async (change) => {
        try {
          await send([change]);
          result.configsChanged.push(change.name);
        } catch (single) {
          firstError ??= single;
          refused.push(`${change.name} (${kafkaErrorType(single) ?? (single as Error).message})`);
        }
      });
    }
  });
  if (refused.length > 0) throw failed('changing topic configs', `the broker refused ${listSome(refused)}`, firstError);
}

async function deleteTopics(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<void> {
  const names = input.state.deletes.map(({ name }) => name);
  if (names.length === 0) return;
  try {
    await input.admin.deleteTopics({ topics: names, timeout: input.requestTimeoutMs });
    result.deleted.push(...names);
  } catch (error) {
    if (kafkaErrorType(error) === undefined) throw error;
    // Deleted by a concurrent run counts as done (kafkajs retries UNKNOWN_TOPIC_OR_PARTITION until
    // it gives up); read back what is left.
    const left = await input.admin
      .fetchTopicMetadata()
      .then(({ topics }) => new Set(topics.map((topic) => topic.name)))
      .catch(() => new Set(names));
    const remaining = names.filter((name) => left.has(name));
    result.deleted.push(...names.filter((name) => !left.has(name)));
    const type = kafkaErrorType(error);
    const hint = type === 'TOPIC_AUTHORIZATION_FAILED' ? ': synchook may not delete them; grant its principal DELETE on these topics' : '';
    if (remaining.length > 0) throw failed('deleting topics', `${listSome(remaining)} still exist (${type ?? (error as Error).message}${hint})`, error);
  }
}

/** Waits until every created or grown topic has its partitions, each with a leader. */
async function waitForLeaders(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure, until: number): Promise<void> {
  const expected = new Map<string, number>();
  const done = new Set([...result.created, ...result.alreadyExisted]);
  for (const creation of input.state.creates) if (done.has(creation.name)) expected.set(creation.name, creation.partitions ?? 1);
  for (const increase of input.state.partitionIncreases) expected.set(increase.name, increase.to);
  if (expected.size === 0) return;
  let pending = [...expected.keys()];
  let lastProblem = '';
  await pollUntil(input, until, async () => {
    try {
      const { topics } = await input.admin.fetchTopicMetadata({ topics: pending });
      pending = topics.filter((topic) => !isReady(topic, expected.get(topic.name) ?? 1)).map((topic) => topic.name);
      lastProblem = pending.length > 0 ? describeLeaderless(topics.filter((topic) => pending.includes(topic.name)), expected) : '';
    } catch (error) {
      const type = kafkaErrorType(error);
      // A new topic is UNKNOWN_TOPIC_OR_PARTITION, a new partition LEADER_NOT_AVAILABLE, until the broker has caught up.
      if (type !== 'LEADER_NOT_AVAILABLE' && type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'NOT_LEADER_FOR_PARTITION') throw error;
      lastProblem = `the broker still answers ${type}`;
    }
    return pending.length === 0;
  }, () =>
    failed('waiting for partition leaders', `after ${seconds(input.settleTimeoutMs)}, ${pending.length} topic${pending.length === 1 ? '' : 's'} still lack a leader for some partition (${listSome(pending)}; ${lastProblem}); check the brokers' health`),
  );
}

/** Waits until the broker describes every changed topic with its new config. */
async function waitForConfigs(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure, until: number): Promise<void> {
  const changed = new Set(result.configsChanged);
  let pending = input.state.configChanges.filter((change) => changed.has(change.name));
  if (pending.length === 0) return;
  await pollUntil(input, until, async () => {
    const described = await describeTopicConfigs(input.admin, pending.map((change) => change.name));
    pending = pending.filter((change) => !showsChange(described.get(change.name), change));
    return pending.length === 0;
  }, () => failed('waiting for the new configs', `after ${seconds(input.settleTimeoutMs)}, the broker still describes ${listSome(pending.map((change) => change.name))} with the old config; check the brokers' health`));
}

/** Waits until deleted topics are gone from the broker's metadata. */
async function waitForDeletions(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure, until: number): Promise<void> {
  let pending = result.deleted;
  if (pending.length === 0) return;
  await pollUntil(input, until, async () => {
    const { topics } = await input.admin.fetchTopicMetadata();
    const present = new Set(topics.map((topic) => topic.name));
    pending = pending.filter((name) => present.has(name));
    return pending.length === 0;
  }, () => failed('waiting for deleted topics to disappear', `after ${seconds(input.settleTimeoutMs)}, the broker still lists ${listSome(pending)}; check the brokers' health`));
}

/** The declared values are set on the topic and pruned keys are gone (keys others add meanwhile do not matter). */
function showsChange(actual: Map<string, ActualConfigEntry> | undefined, change: ConfigChange): boolean {
  if (!actual) return false;
  const setAsDeclared = Object.entries(change.full).every(([key, value]) => actual.get(key)?.own === true && sameConfigValue(actual.get(key)!.value, value));
  const pruned = change.changed.filter((key) => key.to === undefined).every((key) => actual.get(key.key)?.own !== true);
  return setAsDeclared && pruned;
}

/** Calls check every LEADER_POLL_MS until it returns true; past `until` (or on abort), throws onTimeout(). */
async function pollUntil(input: ApplyTopicsInput, until: number, check: () => Promise<boolean>, onTimeout: () => Error): Promise<void> {
  for (;;) {
    let ready = false;
    try {
      ready = await check();
    } catch (error) {
      // The writes are done; a connection lost while checking them is waited out until the deadline.
      if (!isConnectionFailure(error) || Date.now() >= until) throw error;
    }
    if (ready) return;
    if (Date.now() >= until || input.signal.aborted) throw onTimeout();
    await sleep(LEADER_POLL_MS, input.signal);
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function isReady(topic: ITopicMetadata, partitions: number): boolean {
  // With the broker default (-1) the count is not known here; at least one partition is.
  return topic.partitions.length >= partitions && topic.partitions.every((partition) => partition.leader >= 0);
}

function describeLeaderless(topics: ITopicMetadata[], expected: ReadonlyMap<string, number>): string {
  return topics
    .slice(0, 3)
    .map((topic) => `${topic.name}: ${topic.partitions.filter((partition) => partition.leader >= 0).length} of ${Math.max(expected.get(topic.name) ?? 1, topic.partitions.length)} partitions have a leader`)
    .join(', ');
}

async function partitionCounts(admin: Admin, names: string[]): Promise<Map<string, number>> {
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  return new Map(topics.map((topic) => [topic.name, topic.partitions.length]));
}

function listSome(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export function describeApplied(result: TopicApplyResult): string {
  const parts = [
    result.created.length && `${result.created.length} topic${result.created.length === 1 ? '' : 's'} created`,
    result.alreadyExisted.length && `${result.alreadyExisted.length} already created by another run`,
    result.partitionsIncreased.length && `${result.partitionsIncreased.length} with more partitions`,
    result.configsChanged.length && `${result.configsChanged.length} config${result.configsChanged.length === 1 ? '' : 's'} changed`,
    result.deleted.length && `${result.deleted.length} deleted`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}
