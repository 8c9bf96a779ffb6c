import type { Admin } from 'kafkajs';
import { kafkaError, rootMessage } from '../../clients/kafka.js';
import type { ClusterConfig } from '../../config/common.js';
import type { Violation } from '../types.js';
import { isLeaderless, retryWhileLeaderless } from '../shared/kafka-errors.js';

/** A topic to check, with where it was declared (for the message). */
export interface TopicCheck {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  /** "health.topics[2]" or "topics/orders.yaml:4:5". */
  source: string;
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** What the cluster says about a topic: its partitions, or that a partition has no leader. */
export type TopicState = { status: 'missing' } | { status: 'ok'; partitions: PartitionState[] } | { status: 'leaderless'; detail: string };

/** How long a leaderless partition may take to get its leader before it counts as offline. */
const LEADER_GRACE_MS = 5_000;

/**
 * Reads the metadata of the topics. kafkajs rejects a whole metadata answer when one partition
 * has no leader, so when that lasts beyond a short grace, each topic is asked alone to find the
 * affected ones.
 */
export async function readTopicStates(admin: Admin, names: readonly string[], cluster: ClusterConfig): Promise<Map<string, TopicState>> {
  const states = new Map<string, TopicState>();
  let existing: Set<string>;
  try {
    existing = new Set(await admin.listTopics());
  } catch (error) {
    throw kafkaError(error, cluster, 'list topics');
  }
  const present = names.filter((name) => existing.has(name));
  for (const name of names) if (!existing.has(name)) states.set(name, { status: 'missing' });
  if (present.length === 0) return states;
  const read = async (topics: string[]) => (await admin.fetchTopicMetadata({ topics })).topics;
  const record = (topics: Awaited<ReturnType<typeof read>>) => {
    for (const topic of topics) states.set(topic.name, { status: 'ok', partitions: topic.partitions.map(partitionState) });
  };
  try {
    record(await retryWhileLeaderless(() => read(present), LEADER_GRACE_MS));
    return states;
  } catch (error) {
    if (!isLeaderless(error)) throw kafkaError(error, cluster, 'read topic metadata');
  }
  for (const name of present) {
    try {
      record(await read([name]));
    } catch (error) {
      if (!isLeaderless(error)) throw kafkaError(error, cluster, `read the metadata of topic ${name}`);
      states.set(name, { status: 'leaderless', detail: rootMessage(error) });
    }
  }
  return states;
}

function partitionState(partition: { partitionId: number; leader: number; replicas: number[]; isr: number[] }): PartitionState {
  return { partition: partition.partitionId, leader: partition.leader, replicas: partition.replicas, isr: partition.isr };
}

export interface TopicVerdict {
  violations: Violation[];
  warnings: string[];
  /** Topics that exist with the declared shape and every partition led and in sync. */
  healthy: number;
  partitions: number;
  offline: number;
  underReplicated: number;
}

/** Compares the declared topics with the cluster: existence, partition count, replicas, leaders, ISR. */
export function judgeTopics(checks: readonly TopicCheck[], states: ReadonlyMap<string, TopicState>, underReplicated: 'deny' | 'warn'): TopicVerdict {
  const verdict: TopicVerdict = { violations: [], warnings: [], healthy: 0, partitions: 0, offline: 0, underReplicated: 0 };
  for (const check of checks) {
    const resource = `topic ${check.name}`;
    const state = states.get(check.name) ?? { status: 'missing' };
    if (state.status === 'missing') {
      verdict.violations.push({ resource, rule: 'topic-exists', message: `does not exist (declared at ${check.source}). Create it in PreSync (topics section), fix the name, or grant the synchook principal DESCRIBE on it (a topic it may not describe looks missing).` });
      continue;
    }
    if (state.status === 'leaderless') {
      verdict.offline += 1;
      verdict.violations.push({ resource, rule: 'offline-partitions', message: `has partitions without a leader, so they are offline (${state.detail}). Check the brokers that host its replicas.` });
      continue;
    }
    let healthy = true;
    const partitions = state.partitions;
    verdict.partitions += partitions.length;
    if (check.partitions !== undefined && partitions.length !== check.partitions) {
      healthy = false;
      verdict.violations.push({
        resource,
        rule: 'partitions',
        message: `has ${partitions.length} partitions, ${check.partitions} declared (at ${check.source}). ${partitions.length < check.partitions ? 'Run PreSync to add the missing partitions.' : 'Kafka cannot remove partitions; declare the actual count.'}`,
      });
    }
    const wrongReplicas = check.replicationFactor === undefined ? [] : partitions.filter((partition) => partition.replicas.length !== check.replicationFactor);
    if (wrongReplicas.length > 0) {
      healthy = false;
      const first = wrongReplicas[0]!;
      verdict.violations.push({
        resource,
        rule: 'replication-factor',
        message: `${wrongReplicas.length} partitions have a replica count other than the declared ${check.replicationFactor} (partition ${first.partition}: ${first.replicas.length}). A reassignment (kafka-reassign-partitions) changes it.`,
      });
    }
    const offline = partitions.filter((partition) => partition.leader < 0);
    if (offline.length > 0) {
      healthy = false;
      verdict.offline += offline.length;
      verdict.violations.push({ resource, rule: 'offline-partitions', message: `partitions ${offline.map((partition) => partition.partition).join(', ')} have no leader, so they are offline. Check the brokers that host their replicas.` });
    }
    const lagging = partitions.filter((partition) => partition.leader >= 0 && partition.isr.length < partition.replicas.length);
    if (lagging.length > 0) {
      verdict.underReplicated += lagging.length;
      const first = lagging[0]!;
      const text = `${lagging.length} partitions are under-replicated (partition ${first.partition}: in sync ${first.isr.length} of ${first.replicas.length} replicas, brokers ${first.replicas.filter((id) => !first.isr.includes(id)).join(', ')} behind).`;
      if (underReplicated === 'deny') {
        healthy = false;
        verdict.violations.push({ resource, rule: 'under-replicated', message: `${text} Check those brokers, or set health.underReplicated: warn to accept it.` });
      } else {
        verdict.warnings.push(`${resource}: ${text}`);
      }
    }
    if (healthy) verdict.healthy += 1;
  }
  return verdict;
}
