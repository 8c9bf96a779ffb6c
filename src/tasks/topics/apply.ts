import type { Admin } from 'kafkajs';
import type { ItemResult, KafkaAdmin, TopicMetadataResult } from '../../clients/kafka/admin.js';
import { formatDuration } from '../../duration.js';
import { SynchookError, TaskFailedError, UnreachableError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { chunk, mapBounded } from '../shared/batch.js';
import { ALTER_BATCH_SIZE, CREATE_BATCH_SIZE } from './broker-validation.js';
import { describeTopicConfigs, replicationFactorOf } from './cluster.js';
import { sameConfigValue } from '../shared/topic-declarations/config-values.js';
import type { ApplyRecorder } from '../types.js';
import { topicResource, type TopicConfigChange, type TopicCreation, type TopicPlanState } from './diff.js';
import type { ActualConfigEntry } from './model.js';
import { differencesFromDeclaration } from './raced.js';
import { METADATA_BATCH_SIZE, leaderCheck, waitUntilReady, type SettleOutcome } from './settle.js';

const ALTER_CONCURRENCY = 4;
const CREATE_CONCURRENCY = 2;
/** Rounds of CreateTopics for topics whose creation the broker could not confirm in time. */
const CREATE_ATTEMPTS = 3;

export interface ApplyTopicsInput {
  /** kafkajs's admin, for DescribeConfigs. */
  admin: Admin;
  /** Per-topic results for CreateTopics, CreatePartitions, IncrementalAlterConfigs, DeleteTopics and Metadata. */
  kafkaAdmin: KafkaAdmin;
  state: TopicPlanState;
  /** Broker-side timeout of CreateTopics, CreatePartitions and DeleteTopics, in ms. */
  requestTimeoutMs: number;
  /** How long to wait for the broker to serve the changes without any progress (topics.settleTimeout), in ms. */
  settleTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  /** Where each change the broker confirms is recorded as it comes. */
  recorder?: ApplyRecorder;
}

export interface TopicApplyResult {
  /** Topics the broker confirmed creating for this run. */
  created: string[];
  /** Declared new, but created by someone else after the plan, exactly as declared; not counted as created. */
  alreadyExisted: string[];
  partitionsIncreased: string[];
  configsChanged: string[];
  deleted: string[];
  /** Written, but not yet served by the broker when the run stopped waiting. */
  notServed: number;
}

type Failure = (step: string, detail: string, cause?: unknown) => SynchookError;

const NO_RECORDER: ApplyRecorder = { sent: () => undefined, confirmed: () => undefined, answered: () => undefined };

function recorderOf(input: ApplyTopicsInput): ApplyRecorder {
  return input.recorder ?? NO_RECORDER;
}

const resources = (names: Iterable<string>) => [...names].map(topicResource);

/**
 * Applies a topic plan: the deletions, CreateTopics per batch of new topics, one CreatePartitions
 * request for every increase, IncrementalAlterConfigs for the declared keys that change. Each
 * item counts as done only when the broker confirms it. Then apply waits until the broker serves
 * every change (see settle.ts), so a rerun right after plans nothing. Stops at the first failed
 * step with an error that says what was applied before it.
 */
export async function applyTopicPlan(input: ApplyTopicsInput): Promise<TopicApplyResult> {
  const result: TopicApplyResult = { created: [], alreadyExisted: [], partitionsIncreased: [], configsChanged: [], deleted: [], notServed: 0 };
  const stopIfAborted = () => {
    if (input.signal.aborted) throw input.signal.reason;
  };
  const failed: Failure = (step, detail, cause) =>
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
  let raced: RacedCreations = { topics: [], askedBefore: new Set() };
  await timed('create topics', async () => {
    raced = await createTopics(input, result, failed);
  });
  await timed('add partitions', () => increasePartitions(input, result, failed));
  await timed('alter configs', () => alterConfigs(input, result, failed));
  await timed('wait for leaders', () => waitForLeaders(input, result, raced));
  await timed('compare topics created meanwhile', () => compareRacedTopics(input, result, raced, failed));
  await timed('wait for configs', () => waitForConfigs(input, result));
  await timed('wait for deletions', () => waitForDeletions(input, result));
  return result;
}

interface RacedCreations {
  /** Declared new, answered TOPIC_ALREADY_EXISTS. */
  topics: TopicCreation[];
  /** Of those, the ones an earlier request of this run may have created (it timed out unconfirmed). */
  askedBefore: Set<string>;
}

/** Creates the new topics; returns those found existing (TOPIC_ALREADY_EXISTS), to be compared once served. */
async function createTopics(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<RacedCreations> {
  const refused: string[] = [];
  const raced: TopicCreation[] = [];
  const recorder = recorderOf(input);
  /** Topics a request of this run may have created without the broker confirming it (a timeout). */
  const unconfirmed = new Set<string>();
  let todo = input.state.creates;
  for (let attempt = 1; todo.length > 0; attempt += 1) {
    const retry: TopicCreation[] = [];
    await mapBounded(chunk(todo, CREATE_BATCH_SIZE), CREATE_CONCURRENCY, async (batch) => {
      if (input.signal.aborted) throw input.signal.reason;
      recorder.sent(resources(batch.map(({ name }) => name)));
      const results = await input.kafkaAdmin.createTopics(batch, { timeoutMs: input.requestTimeoutMs });
      recorder.answered(resources(batch.map(({ name }) => name)));
      for (const creation of batch) {
        const outcome: ItemResult | undefined = results.get(creation.name);
        if (outcome?.ok) {
          result.created.push(creation.name);
          recorder.confirmed(topicResource(creation.name));
        }
        else if (outcome?.error.type === 'TOPIC_ALREADY_EXISTS') raced.push(creation);
        else if ((outcome === undefined || outcome.error.retriable) && attempt < CREATE_ATTEMPTS) {
          unconfirmed.add(creation.name);
          retry.push(creation);
        } else refused.push(`${creation.name} (${outcome ? `${outcome.error.type}: ${outcome.error.message}` : 'no answer for this topic'})`);
      }
    });
    if (retry.length > 0) input.log.info({ topics: retry.length, attempt }, 'topics: the broker did not confirm every creation in time; asking again for those');
    todo = retry;
  }
  if (refused.length > 0) throw failed('creating topics', `the broker refused ${listSome(refused)}`);
  return { topics: raced, askedBefore: unconfirmed };
}

/**
 * Reads back the topics someone else created between plan and apply: one exactly as declared is
 * reported as already existing (never as created by this run); one that differs is a conflict
 * that names the topic and what differs.
 */
async function compareRacedTopics(input: ApplyTopicsInput, result: TopicApplyResult, raced: RacedCreations, failed: Failure): Promise<void> {
  if (raced.topics.length === 0) return;
  const names = raced.topics.map((creation) => creation.name);
  const metadata = new Map<string, TopicMetadataResult>();
  for (const batch of chunk(names, METADATA_BATCH_SIZE)) for (const [name, item] of await input.kafkaAdmin.topicMetadata(batch)) metadata.set(name, item);
  const configs = await describeTopicConfigs(input.admin, names);
  const conflicts: string[] = [];
  for (const creation of raced.topics) {
    const found = metadata.get(creation.name);
    if (!found?.ok) {
      conflicts.push(`${creation.name} (created by someone else, then gone: ${found?.error.type ?? 'not in the metadata'})`);
      continue;
    }
    const differences = differencesFromDeclaration(creation, {
      partitions: found.partitions.length,
      replicationFactor: replicationFactorOf(found.partitions.map((partition) => partition.replicas.length)),
      config: configs.get(creation.name) ?? new Map<string, ActualConfigEntry>(),
    });
    if (differences.length > 0) conflicts.push(`${creation.name} (${differences.join(', ')})`);
    // A match the broker could not confirm earlier to this run's own request is most likely its own.
    else if (raced.askedBefore.has(creation.name)) {
      result.created.push(creation.name);
      recorderOf(input).confirmed(topicResource(creation.name));
    }
    else result.alreadyExisted.push(creation.name);
  }
  if (result.alreadyExisted.length > 0) input.log.info({ topics: result.alreadyExisted.length }, 'topics: some declared topics were created meanwhile by someone else, exactly as declared; not counted as created by this run');
  if (conflicts.length > 0) {
    throw failed(
      'creating topics',
      `${conflicts.length === 1 ? 'a topic was' : `${conflicts.length} topics were`} created by someone else after the plan read the cluster, and differ${conflicts.length === 1 ? 's' : ''} from the declaration: ${listSome(conflicts, 3)}. synchook did not change ${conflicts.length === 1 ? 'it' : 'them'}; run the plan again to see the difference, or find out who else creates topics under this prefix`,
    );
  }
}

async function increasePartitions(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<void> {
  const increases = input.state.partitionIncreases;
  if (increases.length === 0) return;
  const recorder = recorderOf(input);
  // A topic whose config changes too is confirmed once its config is.
  const configChanging = new Set(input.state.configChanges.map(({ name }) => name));
  const increased = (name: string) => {
    result.partitionsIncreased.push(name);
    if (!configChanging.has(name)) recorder.confirmed(topicResource(name));
  };
  const names = increases.map(({ name }) => name);
  recorder.sent(resources(names));
  const results = await input.kafkaAdmin.createPartitions(
    increases.map(({ name, to }) => ({ name, count: to })),
    { timeoutMs: input.requestTimeoutMs },
  );
  for (const { name } of increases) if (results.get(name)?.ok === true) increased(name);
  const refused = increases.filter(({ name }) => results.get(name)?.ok !== true);
  if (refused.length === 0) {
    recorder.answered(resources(names));
    return;
  }
  // A concurrent run may have added the partitions first (INVALID_PARTITIONS: the count is already
  // there): read back which topics reached their count.
  const counts = await input.kafkaAdmin.topicMetadata(refused.map(({ name }) => name)).catch(() => new Map<string, TopicMetadataResult>());
  recorder.answered(resources(names));
  const missing: string[] = [];
  for (const increase of refused) {
    const found = counts.get(increase.name);
    if (found?.ok && found.partitions.length >= increase.to) increased(increase.name);
    else missing.push(`${increase.name} (${increase.from} → ${increase.to}: ${refusal(results.get(increase.name))})`);
  }
  if (missing.length > 0) throw failed('adding partitions', listSome(missing));
}

/** The broker's reason for refusing an item, for a message. */
function refusal(outcome: ItemResult | undefined): string {
  if (outcome === undefined) return 'no answer for this topic';
  return outcome.ok ? 'ok' : `${outcome.error.type}: ${outcome.error.message}`;
}

/** IncrementalAlterConfigs: only the declared keys that change are SET, pruned keys DELETEd; the rest of each topic's config is not touched. */
async function alterConfigs(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<void> {
  const changes = input.state.configChanges;
  if (changes.length === 0) return;
  const refused: string[] = [];
  const recorder = recorderOf(input);
  await mapBounded(chunk(changes, ALTER_BATCH_SIZE), ALTER_CONCURRENCY, async (batch) => {
    if (input.signal.aborted) throw input.signal.reason;
    recorder.sent(resources(batch.map(({ name }) => name)));
    const results = await input.kafkaAdmin.alterTopicConfigs(batch);
    recorder.answered(resources(batch.map(({ name }) => name)));
    for (const change of batch) {
      const outcome = results.get(change.name);
      if (outcome?.ok) {
        result.configsChanged.push(change.name);
        recorder.confirmed(topicResource(change.name));
      }
      else refused.push(`${change.name} (${outcome ? `${outcome.error.type}: ${outcome.error.message}` : 'no answer for this topic'})`);
    }
  });
  if (refused.length > 0) throw failed('changing topic configs', `the broker refused ${listSome(refused)}`);
}

async function deleteTopics(input: ApplyTopicsInput, result: TopicApplyResult, failed: Failure): Promise<void> {
  const names = input.state.deletes.map(({ name }) => name);
  if (names.length === 0) return;
  const recorder = recorderOf(input);
  recorder.sent(resources(names));
  const results = await input.kafkaAdmin.deleteTopics(names, { timeoutMs: input.requestTimeoutMs });
  // Deleted by a concurrent run (UNKNOWN_TOPIC_OR_PARTITION) counts as done.
  const gone = (name: string) => {
    const outcome = results.get(name);
    return outcome !== undefined && (outcome.ok || outcome.error.type === 'UNKNOWN_TOPIC_OR_PARTITION');
  };
  result.deleted.push(...names.filter(gone));
  for (const name of names.filter(gone)) recorder.confirmed(topicResource(name));
  recorder.answered(resources(names));
  const remaining = names.filter((name) => !gone(name));
  if (remaining.length === 0) return;
  const hint = remaining.some((name) => refusal(results.get(name)).startsWith('TOPIC_AUTHORIZATION_FAILED')) ? ': synchook may not delete them; grant its principal DELETE on these topics' : '';
  throw failed('deleting topics', `${listSome(remaining.map((name) => `${name} (${refusal(results.get(name))})`))} still exist${hint}`);
}

/** Waits until every created or grown topic has its partitions, each with a leader. */
async function waitForLeaders(input: ApplyTopicsInput, result: TopicApplyResult, raced: RacedCreations): Promise<void> {
  const expected = new Map<string, number>();
  const created = new Set(result.created);
  for (const creation of input.state.creates) if (created.has(creation.name)) expected.set(creation.name, creation.partitions ?? 1);
  // Someone else's topic may have fewer partitions than declared; the comparison after the wait says so.
  for (const creation of raced.topics) expected.set(creation.name, 1);
  for (const increase of input.state.partitionIncreases) if (result.partitionsIncreased.includes(increase.name)) expected.set(increase.name, increase.to);
  const outcome = await waitUntilReady('a leader for every new partition', [...expected.keys()], (batch) => leaderCheck(input.kafkaAdmin, batch, expected), settleOptions(input));
  stopUnlessSettled(input, result, outcome, 'partition leaders');
}

/** Waits until the broker describes every changed topic with its new config. */
async function waitForConfigs(input: ApplyTopicsInput, result: TopicApplyResult): Promise<void> {
  const changed = new Set(result.configsChanged);
  const byName = new Map(input.state.configChanges.filter((change) => changed.has(change.name)).map((change) => [change.name, change]));
  const outcome = await waitUntilReady(
    'the new topic configs',
    [...byName.keys()],
    async (batch) => {
      const described = await describeTopicConfigs(input.admin, batch);
      return { ready: batch.filter((name) => showsChange(described.get(name), byName.get(name)!)), problem: `${batch[0]}: still described with the old config` };
    },
    { ...settleOptions(input), batchSize: 250, concurrency: 4 },
  );
  stopUnlessSettled(input, result, outcome, 'the new configs');
}

/** Waits until deleted topics are gone from the broker's metadata. */
async function waitForDeletions(input: ApplyTopicsInput, result: TopicApplyResult): Promise<void> {
  const outcome = await waitUntilReady(
    'the deletions',
    result.deleted,
    async (batch) => {
      const found = await input.kafkaAdmin.topicMetadata(batch);
      return { ready: batch.filter((name) => found.get(name)?.ok !== true), problem: `${batch[0]}: still listed` };
    },
    settleOptions(input),
  );
  stopUnlessSettled(input, result, outcome, 'deleted topics to disappear');
}

function settleOptions(input: ApplyTopicsInput) {
  return { stallTimeoutMs: input.settleTimeoutMs, signal: input.signal, log: input.log };
}

/** A wait that ended before everything was served is a deadline: exit 3, saying what was written and what is not served yet. */
function stopUnlessSettled(input: ApplyTopicsInput, result: TopicApplyResult, outcome: SettleOutcome, what: string): void {
  if (outcome.pending.length === 0) return;
  result.notServed = outcome.pending.length;
  const why =
    outcome.stopped === 'aborted'
      ? `the run stopped (${(input.signal.reason as Error | undefined)?.message ?? 'aborted'}) while waiting for ${what}`
      : `the broker made no progress for ${formatDuration(input.settleTimeoutMs)} (topics.settleTimeout) while synchook waited for ${what}`;
  throw new UnreachableError(
    `topics: ${why}; ${outcome.pending.length} topic${outcome.pending.length === 1 ? ' is' : 's are'} not served yet (${listSome(outcome.pending)}${outcome.lastProblem ? `; ${outcome.lastProblem}` : ''}). Applied before the stop: ${describeApplied(result)}. Check the brokers' health, or raise topics.settleTimeout, and run again.`,
  );
}

/** The declared values are set on the topic and pruned keys are gone (keys others add meanwhile do not matter). */
function showsChange(actual: Map<string, ActualConfigEntry> | undefined, change: TopicConfigChange): boolean {
  if (!actual) return false;
  const set = Object.entries(change.set).every(([key, value]) => actual.get(key)?.own === true && sameConfigValue(actual.get(key)!.value, value));
  const deleted = change.delete.every((key) => actual.get(key)?.own !== true);
  return set && deleted;
}

function listSome(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export function describeApplied(result: TopicApplyResult): string {
  const parts = [
    result.created.length && `${result.created.length} topic${result.created.length === 1 ? '' : 's'} created`,
    result.alreadyExisted.length && `${result.alreadyExisted.length} found already created by someone else as declared`,
    result.partitionsIncreased.length && `${result.partitionsIncreased.length} with more partitions`,
    result.configsChanged.length && `${result.configsChanged.length} config${result.configsChanged.length === 1 ? '' : 's'} changed`,
    result.deleted.length && `${result.deleted.length} deleted`,
  ].filter(Boolean);
  const served = result.notServed > 0 ? ` (${result.notServed} of these not yet served by the broker)` : '';
  return parts.length > 0 ? `${parts.join(', ')}${served}` : 'nothing';
}
