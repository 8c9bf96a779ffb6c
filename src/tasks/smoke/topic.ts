import { itemFailure, type KafkaAdmin } from '../../clients/kafka/admin.js';
import { kafkaError, rootMessage } from '../../clients/kafka.js';
import type { ClusterConfig } from '../../config/common.js';
import { ConfigError, TaskFailedError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { PROBE_TOPIC_DEFAULTS, type SmokeSection } from './config.js';
import { sleep } from '../../timing.js';
import { isLeaderless, retryWhileLeaderless } from '../shared/kafka-errors.js';

export interface ProbeTopic {
  name: string;
  /** Partition ids as the cluster reports them now (after any partition increase). */
  partitions: number[];
  created: boolean;
}

/**
 * Finds the topic to probe, creating a probe topic when it is missing and the config allows it.
 * An application topic is never created: a typo must fail, not make a topic.
 */
export async function prepareProbeTopic(admin: KafkaAdmin, section: SmokeSection, name: string, cluster: ClusterConfig, log: Logger, deadlineAt = 0): Promise<ProbeTopic> {
  let exists: boolean;
  try {
    exists = (await admin.listTopics()).some((topic) => topic.name === name);
  } catch (error) {
    throw kafkaError(error, cluster, `list topics`);
  }
  let created = false;
  if (!exists) {
    if (section.mode === 'application-topic') {
      throw new TaskFailedError(`topic ${name} does not exist; application-topic mode probes an existing topic of the application and never creates one. Fix smoke.topic or create the topic in PreSync.`);
    }
    if (!section.createTopic) {
      throw new TaskFailedError(`probe topic ${name} does not exist and smoke.createTopic is false. Create it (the topics section of PreSync) or set smoke.createTopic: true.`);
    }
    created = await createProbeTopic(admin, section, name, cluster);
    log.info({ topic: name, partitions: section.partitions }, created ? 'created the probe topic' : 'the probe topic was created by a concurrent run');
  }
  return { name, partitions: await topicPartitions(admin, name, cluster, deadlineAt), created };
}

async function createProbeTopic(admin: KafkaAdmin, section: SmokeSection, name: string, cluster: ClusterConfig): Promise<boolean> {
  const config = { ...PROBE_TOPIC_DEFAULTS, ...section.topicConfig };
  let result;
  try {
    result = (await admin.createTopics([{ name, partitions: section.partitions, replicationFactor: section.replicationFactor, config }], { timeoutMs: cluster.requestTimeout })).get(name);
  } catch (error) {
    throw kafkaError(error, cluster, `create probe topic ${name}`);
  }
  if (result === undefined) throw new TaskFailedError(`cannot create probe topic ${name}: the broker's answer named no result for it. Run again.`);
  if (result.ok) return true;
  const { type, message: detail, kind } = result.error;
  // Created by a concurrent run: probing it is just as good.
  if (type === 'TOPIC_ALREADY_EXISTS') return false;
  if (kind === 'not-authorized') {
    throw new TaskFailedError(`cannot create probe topic ${name}: ${detail}. Grant the synchook principal CREATE on topic ${name}, or create the topic in PreSync and set smoke.createTopic: false.`);
  }
  if (type === 'INVALID_REPLICATION_FACTOR') {
    throw new ConfigError(`cannot create probe topic ${name}: ${detail}. Set smoke.replicationFactor to at most the number of brokers.`);
  }
  if (type === 'INVALID_CONFIG' || type === 'INVALID_PARTITIONS' || type === 'POLICY_VIOLATION') {
    throw new ConfigError(`cannot create probe topic ${name}: ${detail}. Fix smoke.topicConfig or smoke.partitions.`);
  }
  throw kafkaError(itemFailure(result.error), cluster, `create probe topic ${name}`);
}

/**
 * How long a partition may be without a leader (just created or added) before the probe gives up,
 * at least: up to the probe's deadline when that is later, since a broker catching up after heavy
 * topic churn serves new topics only after the ones before them.
 */
const LEADER_WAIT_MS = 10_000;
const LEADER_POLL_MS = 200;

/** How long to wait for leaders: the run's deadline when it is later than the default (a broker still publishing earlier topics). */
function leaderWaitMs(deadlineAt: number): number {
  return Math.max(LEADER_WAIT_MS, deadlineAt - Date.now());
}

/** Partition ids of the topic, once every partition has a leader (asked of a broker each time: a cache can miss a partition increase). */
async function topicPartitions(admin: KafkaAdmin, name: string, cluster: ClusterConfig, deadlineAt: number): Promise<number[]> {
  const waitMs = leaderWaitMs(deadlineAt);
  const giveUpAt = Date.now() + waitMs;
  for (;;) {
    let result;
    try {
      result = (await admin.topicMetadata([name])).get(name);
    } catch (error) {
      throw kafkaError(error, cluster, `read the metadata of topic ${name}`);
    }
    const leaderless = result?.ok ? result.partitions.filter((partition) => partition.leader < 0).map((partition) => `partition ${partition.partition}`) : [];
    const notReady = result !== undefined && !result.ok && result.error.kind === 'not-ready';
    if (result?.ok && leaderless.length === 0) return result.partitions.map((partition) => partition.partition).sort((a, b) => a - b);
    if (result !== undefined && !result.ok && !notReady) throw kafkaError(itemFailure(result.error), cluster, `read the metadata of topic ${name}`);
    if (Date.now() >= giveUpAt) {
      const detail = result?.ok ? `${leaderless.join(', ')} without a leader` : result ? `${result.error.type}: ${result.error.message}` : 'the broker does not list it';
      throw new TaskFailedError(`topic ${name} has partitions without a leader after ${Math.round(waitMs / 1000)} s (${detail}); they cannot take records. Check the brokers that host them.`);
    }
    await sleep(LEADER_POLL_MS);
  }
}

/** End offsets of every partition, captured before the probe produces anything. */
export async function endOffsets(admin: KafkaAdmin, name: string, cluster: ClusterConfig, deadlineAt = 0): Promise<Array<{ partition: number; high: string }>> {
  try {
    return await retryWhileLeaderless(() => admin.topicOffsets(name), leaderWaitMs(deadlineAt));
  } catch (error) {
    throw leaderlessOrKafkaError(error, name, cluster, `read the end offsets of topic ${name}`);
  }
}

function leaderlessOrKafkaError(error: unknown, name: string, cluster: ClusterConfig, action: string): Error {
  if (isLeaderless(error)) {
    return new TaskFailedError(`topic ${name} has partitions without a leader after waiting (${rootMessage(error)}); they cannot take records. Check the brokers that host them.`, { cause: error });
  }
  return kafkaError(error, cluster, action);
}
