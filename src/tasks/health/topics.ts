import { itemFailure, type KafkaAdmin, type TopicMetadataResult } from '../../clients/kafka/admin.js';
import { kafkaError } from '../../clients/kafka.js';
import type { ClusterConfig } from '../../config/common.js';
import type { Violation } from '../types.js';
import { sleep } from '../../timing.js';

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
const LEADER_POLL_MS = 250;

/** Whether a metadata answer shows a topic not served yet (no leader), which a short wait may cure. */
const notServedYet = (result: TopicMetadataResult | undefined) =>
  result !== undefined && (result.ok ? result.partitions.some((partition) => partition.leader < 0) : result.error.kind === 'not-ready' && result.error.type !== 'UNKNOWN_TOPIC_OR_PARTITION');

/**
 * Reads the metadata of the topics, one result per topic. A topic the broker does not know, or
 * that synchook's principal may not describe, is missing; partitions without a leader get a short
 * grace (a topic just created or a leader election in progress) before they count as offline.
 */
export async function readTopicStates(admin: KafkaAdmin, names: readonly string[], cluster: ClusterConfig, signal?: AbortSignal): Promise<Map<string, TopicState>> {
  const read = () => admin.topicMetadata(names).catch((error: unknown) => {
    throw kafkaError(error, cluster, 'read topic metadata');
  });
  const giveUpAt = Date.now() + LEADER_GRACE_MS;
  let metadata = await read();
  while (names.some((name) => notServedYet(metadata.get(name))) && Date.now() < giveUpAt) {
    await sleep(LEADER_POLL_MS, signal);
    metadata = await read();
  }
  const states = new Map<string, TopicState>();
  for (const name of names) {
    const result = metadata.get(name);
    if (result === undefined || (!result.ok && (result.error.type === 'UNKNOWN_TOPIC_OR_PARTITION' || result.error.kind === 'not-authorized'))) states.set(name, { status: 'missing' });
    else if (result.ok) states.set(name, { status: 'ok', partitions: result.partitions.map(({ partition, leader, replicas, isr }) => ({ partition, leader, replicas, isr })) });
    else if (result.error.kind === 'not-ready') states.set(name, { status: 'leaderless', detail: `${result.error.type}: ${result.error.message}` });
    else throw kafkaError(itemFailure(result.error), cluster, `read the metadata of topic ${name}`);
  }
  return states;
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
