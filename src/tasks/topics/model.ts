/** The data the topics task works on: desired topics from files, actual topics from Kafka. */

export type TopicFormat = 'synchook' | 'kafka.strimzi.io/v1beta2' | 'kafka.strimzi.io/v1' | 'asyncapi';

/** A topic as declared, with defaults applied and config values in Kafka's string form. */
export interface DesiredTopic {
  name: string;
  /** Undefined: the broker default for a new topic, and left alone on an existing one. */
  partitions?: number;
  replicationFactor?: number;
  config: Record<string, string>;
  /** "topics/orders.yaml:4:5", where the declaration starts. */
  source: string;
  /**
   * Where single fields are declared, when that says more than `source` (a Strimzi resource starts
   * at its first line, far from spec.partitions): "topics/orders.yaml:9:15 spec.partitions".
   */
  fieldSources?: { partitions?: string; replicationFactor?: string; config?: Record<string, string> };
  /** The file, as shown to the user. */
  file: string;
  format: TopicFormat;
}

export interface DesiredTopics {
  topics: DesiredTopic[];
  /**
   * Topics declared by Strimzi resources marked `strimzi.io/managed: "false"`: synchook leaves
   * them alone and never counts them as undeclared.
   */
  unmanaged: Array<{ name: string; source: string }>;
  /** The files read, as shown to the user. */
  files: string[];
  warnings: string[];
}

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
