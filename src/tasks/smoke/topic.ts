import type { Admin } from 'kafkajs';
import { classifyKafkaError, kafkaError, rootMessage } from '../../clients/kafka.js';
import type { ClusterConfig } from '../../config/common.js';
import { ConfigError, TaskFailedError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { PROBE_TOPIC_DEFAULTS, type SmokeSection } from './config.js';
import { errorType, isLeaderless, retryWhileLeaderless } from './kafka-errors.js';

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
export async function prepareProbeTopic(admin: Admin, section: SmokeSection, name: string, cluster: ClusterConfig, log: Logger, deadlineAt = 0): Promise<ProbeTopic> {
  let exists: boolean;
  try {
    exists = (await admin.listTopics()).includes(name);
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

async function createProbeTopic(admin: Admin, section: SmokeSection, name: string, cluster: ClusterConfig): Promise<boolean> {
  const config = { ...PROBE_TOPIC_DEFAULTS, ...section.topicConfig };
  try {
    return await admin.createTopics({
      topics: [
        {
          topic: name,
          numPartitions: section.partitions,
          replicationFactor: section.replicationFactor ?? -1,
          configEntries: Object.entries(config).map(([key, value]) => ({ name: key, value })),
        },
      ],
      // kafkajs's own wait for leaders gives up at once on "does not host this topic-partition"
      // from a broker still publishing earlier topics; topicPartitions waits for it instead.
      waitForLeaders: false,
      timeout: cluster.requestTimeout,
    });
  } catch (error) {
    const detail = rootMessage(error);
    const type = errorType(error);
    if (classifyKafkaError(error).kind === 'not-authorized') {
      throw new TaskFailedError(`cannot create probe topic ${name}: ${detail}. Grant the synchook principal CREATE on topic ${name}, or create the topic in PreSync and set smoke.createTopic: false.`, { cause: error });
    }
    if (type === 'INVALID_REPLICATION_FACTOR') {
      throw new ConfigError(`cannot create probe topic ${name}: ${detail}. Set smoke.replicationFactor to at most the number of brokers.`, { cause: error });
    }
    if (type === 'INVALID_CONFIG' || type === 'INVALID_PARTITIONS' || type === 'POLICY_VIOLATION') {
      throw new ConfigError(`cannot create probe topic ${name}: ${detail}. Fix smoke.topicConfig or smoke.partitions.`, { cause: error });
    }
    throw kafkaError(error, cluster, `create probe topic ${name}`);
  }
}

/**
 * How long a partition may be without a leader (just created or added) before the probe gives up,
 * at least: up to the probe's deadline when that is later, since a broker catching up after heavy
 * topic churn serves new topics only after the ones before them.
 */
const LEADER_WAIT_MS = 10_000;

function leaderWaitMs(deadlineAt: number): number {
  return Math.max(LEADER_WAIT_MS, deadlineAt - Date.now());
}

async function topicPartitions(admin: Admin, name: string, cluster: ClusterConfig, deadlineAt: number): Promise<number[]> {
  try {
    // fetchTopicMetadata asks a broker every time; the admin's cached metadata can miss a partition increase.
    const { topics } = await retryWhileLeaderless(() => admin.fetchTopicMetadata({ topics: [name] }), leaderWaitMs(deadlineAt));
    const partitions = topics.find((topic) => topic.name === name)?.partitions ?? [];
    return partitions.map((partition) => partition.partitionId).sort((a, b) => a - b);
  } catch (error) {
    throw leaderlessOrKafkaError(error, name, cluster, `read the metadata of topic ${name}`);
  }
}

/** End offsets of every partition, captured before the probe produces anything. */
export async function endOffsets(admin: Admin, name: string, cluster: ClusterConfig, deadlineAt = 0): Promise<Array<{ partition: number; high: string }>> {
  try {
    return await retryWhileLeaderless(() => admin.fetchTopicOffsets(name), leaderWaitMs(deadlineAt));
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
