import type { GroupDescription, KafkaAdmin } from '../../clients/kafka/admin.js';
import { classifyKafkaError, kafkaError, rootMessage } from '../../clients/kafka.js';
import type { ClusterConfig } from '../../config/common.js';
import { formatDuration } from '../../duration.js';
import { TaskFailedError } from '../../errors.js';
import { sleep } from '../../timing.js';
import type { Violation } from '../types.js';
import { retryWhileLeaderless } from '../shared/kafka-errors.js';
import { POLL_INTERVAL_MS, type ConsumerGroupExpectation } from './config.js';
import { maxLag, partitionLags, worstPartitions, type PartitionLag } from './lag.js';

interface GroupSnapshot {
  /**
   * Stable, Empty, PreparingRebalance, CompletingRebalance, Dead (no such group), or Unknown for a
   * group of the KIP-848 consumer protocol, which the classic DescribeGroups cannot see.
   */
  state: string;
  members: number;
  /** Topics assigned to the members, from their assignments (consumer protocol). */
  assignedTopics: string[];
}

const UNDESCRIBABLE = 'Unknown';

export interface GroupResult {
  group: string;
  expectation: ConsumerGroupExpectation;
  snapshot: GroupSnapshot;
  ready: boolean;
  waitedMs: number;
  lags: PartitionLag[];
  violations: Violation[];
  warnings: string[];
}

export interface GroupCheckOptions {
  cluster: ClusterConfig;
  signal: AbortSignal;
  /** The latest moment any wait may end (the task's deadline less a margin). */
  until: number;
  now?: () => number;
  pollMs?: number;
}

async function describeGroup(admin: KafkaAdmin, groupId: string, cluster: ClusterConfig): Promise<GroupSnapshot> {
  let group: GroupDescription;
  try {
    group = await admin.describeGroup(groupId);
  } catch (error) {
    if (classifyKafkaError(error).kind === 'not-authorized') {
      throw new TaskFailedError(`Kafka refused to describe consumer group ${groupId} (${rootMessage(error)}). Grant the synchook principal DESCRIBE on group ${groupId}.`, { cause: error });
    }
    if (/group coordinator/i.test(rootMessage(error))) {
      // Kafka answers FindCoordinator for a group the principal may not DESCRIBE with
      // GROUP_AUTHORIZATION_FAILED, which kafkajs retries and reports as "no coordinator".
      throw new TaskFailedError(`Kafka gave no coordinator for consumer group ${groupId} (${rootMessage(error)}): most often the synchook principal lacks DESCRIBE on group ${groupId}; grant it, or check that the group coordinator is up.`, { cause: error });
    }
    throw kafkaError(error, cluster, `describe consumer group ${groupId}`);
  }
  if (group.state === 'Dead') {
    // A group of the new consumer protocol (group.protocol=consumer, Kafka 4) answers DescribeGroups
    // as Dead, yet ListGroups lists it; kafkajs has no ConsumerGroupDescribe to see its members.
    const listed = await admin.listGroupIds().then((ids) => ids.includes(groupId), () => false);
    return { state: listed ? UNDESCRIBABLE : 'Dead', members: 0, assignedTopics: [] };
  }
  return { state: group.state, members: group.members, assignedTopics: group.assignedTopics };
}

function isReady(snapshot: GroupSnapshot, minMembers: number): boolean {
  if (snapshot.state === UNDESCRIBABLE) return true;
  if (minMembers === 0) return snapshot.state !== 'PreparingRebalance' && snapshot.state !== 'CompletingRebalance';
  return snapshot.state === 'Stable' && snapshot.members >= minMembers;
}

/** Lag of every partition the group reads (or the topics the expectation names). */
async function measureGroupLag(admin: KafkaAdmin, expectation: ConsumerGroupExpectation, snapshot: GroupSnapshot, cluster: ClusterConfig): Promise<{ lags: PartitionLag[]; missingTopics: string[] }> {
  const { group } = expectation;
  let committed: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  let existing: Set<string>;
  try {
    committed = await admin.committedOffsets(group);
    existing = new Set((await admin.listTopics()).map((topic) => topic.name));
  } catch (error) {
    if (classifyKafkaError(error).kind === 'not-authorized') {
      throw new TaskFailedError(`Kafka refused to read the offsets of consumer group ${group} (${rootMessage(error)}). Grant the synchook principal DESCRIBE on group ${group} and on its topics.`, { cause: error });
    }
    throw kafkaError(error, cluster, `read the committed offsets of group ${group}`);
  }
  const topics = expectation.topics ?? [...new Set([...snapshot.assignedTopics, ...committed.map((entry) => entry.topic)])].sort();
  const missingTopics = topics.filter((topic) => !existing.has(topic));
  const lags: PartitionLag[] = [];
  for (const topic of topics.filter((name) => existing.has(name))) {
    let endOffsets;
    try {
      endOffsets = await retryWhileLeaderless(() => admin.topicOffsets(topic), 5_000);
    } catch (error) {
      throw kafkaError(error, cluster, `read the end offsets of topic ${topic}`);
    }
    const own = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
    lags.push(...partitionLags(topic, endOffsets, own, expectation.withoutCommittedOffset));
  }
  return { lags, missingTopics };
}

/**
 * Waits (bounded) for the group to be Stable with enough members, then for its lag to fall to
 * maxLag; judges what it sees when the wait ends.
 */
export async function checkGroup(admin: KafkaAdmin, expectation: ConsumerGroupExpectation, options: GroupCheckOptions): Promise<GroupResult> {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? POLL_INTERVAL_MS;
  const started = now();
  const waitUntil = Math.min(started + expectation.waitFor, options.until);
  const resource = `consumer group ${expectation.group}`;
  const result: GroupResult = { group: expectation.group, expectation, snapshot: { state: 'Dead', members: 0, assignedTopics: [] }, ready: false, waitedMs: 0, lags: [], violations: [], warnings: [] };

  for (;;) {
    result.snapshot = await describeGroup(admin, expectation.group, options.cluster);
    if (isReady(result.snapshot, expectation.minMembers)) break;
    if (now() >= waitUntil) break;
    await sleep(Math.min(pollMs, waitUntil - now()), options.signal);
  }
  result.ready = isReady(result.snapshot, expectation.minMembers);
  if (!result.ready) {
    result.waitedMs = now() - started;
    const { state, members } = result.snapshot;
    const seen = state === 'Dead' ? 'it does not exist (no consumer has joined it)' : `it is ${state} with ${members} member${members === 1 ? '' : 's'}`;
    result.violations.push({
      resource,
      rule: 'group-stable',
      message: `did not become Stable with at least ${expectation.minMembers} member${expectation.minMembers === 1 ? '' : 's'} within ${formatDuration(result.waitedMs)}: ${seen}. Check that the application's consumers are running and can reach Kafka.`,
    });
    return result;
  }

  if (result.snapshot.state === UNDESCRIBABLE && expectation.minMembers > 0) {
    result.warnings.push(
      `${resource}: uses the consumer group protocol of KIP-848 (group.protocol=consumer), whose state and members the classic DescribeGroups cannot read; only its lag was checked${expectation.topics ? '' : ' (list its topics in consumerGroups[].topics to count partitions it has not committed yet)'}.`,
    );
  }
  let missingTopics: string[] = [];
  for (;;) {
    ({ lags: result.lags, missingTopics } = await measureGroupLag(admin, expectation, result.snapshot, options.cluster));
    if (maxLag(result.lags) <= BigInt(expectation.maxLag) || now() >= waitUntil) break;
    await sleep(Math.min(pollMs, waitUntil - now()), options.signal);
    result.snapshot = await describeGroup(admin, expectation.group, options.cluster);
  }
  result.waitedMs = now() - started;
  for (const topic of missingTopics) {
    result.violations.push({ resource, rule: 'group-topic', message: `reads topic ${topic}, which does not exist. Create it in PreSync or fix health.consumerGroups[].topics.` });
  }
  if (result.lags.length === 0 && missingTopics.length === 0) {
    if (result.snapshot.state === 'Dead') {
      result.violations.push({ resource, rule: 'group-exists', message: 'does not exist: it has no members and no committed offsets. Check the group id and that the application has consumed at least once.' });
    } else {
      result.warnings.push(`${resource}: no partition to measure the lag of (no assignment and no committed offsets yet).`);
    }
  }
  const over = result.lags.filter((entry) => entry.lag > BigInt(expectation.maxLag));
  if (over.length > 0) {
    const worst = worstPartitions(over, 3).map(describeLag).join('; ');
    result.violations.push({
      resource,
      rule: 'max-lag',
      message: `lag ${maxLag(result.lags)} is above maxLag ${expectation.maxLag} on ${over.length} of ${result.lags.length} partitions after waiting ${formatDuration(result.waitedMs)} (${worst}). Check that the consumers keep up, or raise maxLag.`,
    });
  }
  return result;
}

export function describeLag(entry: PartitionLag): string {
  const committed = entry.committed === undefined ? `nothing committed, log start ${entry.start}` : `committed ${entry.committed}`;
  return `${entry.topic}[${entry.partition}] lag ${entry.lag}: ${committed}, end ${entry.end}`;
}
