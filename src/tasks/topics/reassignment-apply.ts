/**
 * Applies planned reassignments: the throttle first (when topics.reassignment.throttle is set),
 * then AlterPartitionReassignments, then waits with ListPartitionReassignments until no planned
 * partition is moving, then removes the throttle.
 *
 * Throttle keys (Kafka's kafka-reassign-partitions sets the same ones, docs "Limiting Bandwidth
 * Usage during Data Migration"): on every broker that sends or receives replicas,
 * leader.replication.throttled.rate and follower.replication.throttled.rate (bytes/s); on each
 * topic, leader.replication.throttled.replicas lists the current replicas (the senders) and
 * follower.replication.throttled.replicas the replicas being added (the receivers), as
 * "partition:broker" pairs.
 */
import type { KafkaAdmin } from '../../clients/kafka/admin.js';
import { partitionKey } from '../../clients/kafka/admin.js';
import { TaskFailedError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TopicReassignment } from './model.js';

const BROKER_THROTTLE_KEYS = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'] as const;
const TOPIC_THROTTLE_KEYS = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] as const;
const POLL_MS = 1_000;

export interface ApplyReassignmentsInput {
  kafkaAdmin: KafkaAdmin;
  reassignments: readonly TopicReassignment[];
  /** Bytes/s; undefined: no throttle is set (one left by an interrupted run is still removed). */
  throttle?: number;
  /** How long to wait for the moves to end (topics.reassignment.timeout, within the task deadline). */
  waitTimeoutMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
}

export interface ReassignmentOutcome {
  topics: string[];
  partitions: number;
}

export async function applyReassignments(input: ApplyReassignmentsInput): Promise<ReassignmentOutcome> {
  const { kafkaAdmin, reassignments } = input;
  const topics = reassignments.map((item) => item.topic);
  const total = reassignments.reduce((sum, item) => sum + item.moves.length, 0);
  if (reassignments.length === 0) return { topics, partitions: 0 };
  const brokers = [...new Set(reassignments.flatMap((item) => item.moves.flatMap((move) => [...move.current, ...move.target])))].sort((a, b) => a - b);

  if (input.throttle !== undefined) await setThrottle(input, brokers);
  const fresh = reassignments.flatMap((item) => (item.inProgress ? [] : item.moves.map((move) => ({ topic: item.topic, partition: move.partition, replicas: move.target }))));
  if (fresh.length > 0) {
    const results = await kafkaAdmin.alterPartitionReassignments(fresh, { timeoutMs: input.requestTimeoutMs });
    const refused = fresh
      .map((move) => ({ move, result: results.get(partitionKey(move.topic, move.partition)) }))
      .filter(({ result }) => !result?.ok)
      .map(({ move, result }) => `${move.topic} partition ${move.partition} → ${move.replicas.join(',')}: ${result && !result.ok ? `${result.error.type} (${result.error.message})` : 'no answer'}`);
    if (refused.length > 0) {
      const accepted = fresh.length - refused.length;
      throw new TaskFailedError(
        `topics: the controller refused the reassignment of ${refused.length} of ${fresh.length} partitions: ${refused.join('; ')}. ${accepted > 0 ? `The other ${accepted} are moving; the next run waits for them. ` : ''}Fix the cause and run again.`,
      );
    }
  }

  await waitForReassignments(input, total);
  await removeThrottle(input, brokers);
  return { topics, partitions: total };
}

async function setThrottle(input: ApplyReassignmentsInput, brokers: number[]): Promise<void> {
  const rate = String(input.throttle);
  await confirm('set the replication throttle on broker', await input.kafkaAdmin.alterBrokerConfigs(brokers.map((broker) => ({ broker, set: Object.fromEntries(BROKER_THROTTLE_KEYS.map((key) => [key, rate])), delete: [] }))));
  const alterations = input.reassignments.map((item) => {
    const leaders = item.moves.flatMap((move) => move.current.map((broker) => `${move.partition}:${broker}`));
    const followers = item.moves.flatMap((move) => move.target.filter((broker) => !move.current.includes(broker)).map((broker) => `${move.partition}:${broker}`));
    // A shrinking topic has no receivers: no follower list then (an empty list is not a valid value).
    const set = Object.fromEntries([[TOPIC_THROTTLE_KEYS[0], leaders.join(',')], [TOPIC_THROTTLE_KEYS[1], followers.join(',')]].filter(([, value]) => value !== ''));
    return { name: item.topic, set, delete: [] };
  });
  await confirm('set the replication throttle on topic', await input.kafkaAdmin.alterTopicConfigs(alterations));
  input.log.info({ throttle: input.throttle, brokers }, `topics: replication throttled to ${input.throttle} bytes/s while replicas move`);
}

/** Removes the throttle keys from the reassigned topics and their brokers, whether this run or an interrupted one set them. */
async function removeThrottle(input: ApplyReassignmentsInput, brokers: number[]): Promise<void> {
  await confirm('remove the replication throttle from broker', await input.kafkaAdmin.alterBrokerConfigs(brokers.map((broker) => ({ broker, set: {}, delete: [...BROKER_THROTTLE_KEYS] }))));
  await confirm('remove the replication throttle from topic', await input.kafkaAdmin.alterTopicConfigs(input.reassignments.map((item) => ({ name: item.topic, set: {}, delete: [...TOPIC_THROTTLE_KEYS] }))));
}

async function confirm<K>(action: string, results: Map<K, { ok: true } | { ok: false; error: { type: string; message: string } }>): Promise<void> {
  const failed = [...results].filter(([, result]) => !result.ok).map(([key, result]) => `${key}: ${!result.ok ? `${result.error.type} (${result.error.message})` : ''}`);
  if (failed.length > 0) throw new TaskFailedError(`topics: could not ${action}s ${failed.join('; ')}. Fix the cause and run again.`);
}

async function waitForReassignments(input: ApplyReassignmentsInput, total: number): Promise<void> {
  const topics = new Set(input.reassignments.map((item) => item.topic));
  const started = Date.now();
  let lastReported = -1;
  for (;;) {
    if (input.signal.aborted) throw input.signal.reason;
    const ongoing = await input.kafkaAdmin.listPartitionReassignments(null, { timeoutMs: input.requestTimeoutMs });
    const moving = [...ongoing].filter(([name]) => topics.has(name)).reduce((sum, [, partitions]) => sum + partitions.length, 0);
    if (moving === 0) {
      input.log.info({ partitions: total, ms: Date.now() - started }, `topics: reassignment done (${total} partition${total === 1 ? '' : 's'})`);
      return;
    }
    if (moving !== lastReported) {
      input.log.info({ moving, total }, `topics: reassignment in progress, ${total - moving} of ${total} partitions done`);
      lastReported = moving;
    }
    if (Date.now() - started > input.waitTimeoutMs) {
      throw new TaskFailedError(
        `topics: ${moving} of ${total} partitions of ${[...topics].join(', ')} were still moving after ${Math.round(input.waitTimeoutMs / 1000)} s (topics.reassignment.timeout). The reassignment goes on in the cluster${input.throttle !== undefined ? ' under its throttle' : ''}; run again to wait for it and remove the throttle, or raise topics.reassignment.timeout.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
