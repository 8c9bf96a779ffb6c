/** Topics as declared in files: what the topics task creates, health checks and teardown deletes. */

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

/**
 * Gives `target` a `source` read from `from` only when someone reads it: a declaration's position
 * needs a second, slower parse of its file (src/config/yaml.ts), which a run that reports nothing
 * about the topic never pays.
 */
export function withLazySource<T extends object>(target: T, source: () => string): T & { readonly source: string } {
  let value: string | undefined;
  return Object.defineProperty(target, 'source', { enumerable: true, configurable: true, get: () => (value ??= source()) }) as T & { readonly source: string };
}
