/** The data the topics task works on: desired topics from files (shared), actual topics from Kafka. */

export type { DesiredTopic } from '../shared/topic-declarations/model.js';

/** One config entry of an existing topic, from DescribeConfigs. */
export interface ActualConfigEntry {
  value: string | null;
  /** Set on the topic itself (source TOPIC_CONFIG), as opposed to a broker or built-in default. */
  own: boolean;
  sensitive: boolean;
}

export interface ActualTopic {
  name: string;
  partitions: number;
  /** Replicas per partition; when partitions differ (a reassignment in flight), the most common count. */
  replicationFactor: number;
  /** Undefined when the configs were not read (the topic is not declared). */
  config?: Map<string, ActualConfigEntry>;
}

export interface PartitionMove {
  partition: number;
  /** Replicas now, the preferred leader first. */
  current: number[];
  /** Replicas after the move, the preferred leader first. */
  target: number[];
}

export interface TopicReassignment {
  topic: string;
  from: number;
  to: number;
  /** The partitions whose replicas change (every partition whose replica set differs). */
  moves: PartitionMove[];
  /** True for a reassignment found in progress: apply only waits for it (and removes its throttle). */
  inProgress: boolean;
}
