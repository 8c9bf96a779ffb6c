import type { PlannedChange, Violation } from '../types.js';
import { sameConfigValue } from '../shared/topic-declarations/config-values.js';
import { withLazySource } from '../shared/topic-declarations/model.js';
import type { ActualTopic, DesiredTopic, TopicReassignment } from './model.js';
import { collisionKey, isInternalTopic, topicNameProblem, topicNameWarning } from './names.js';
import { inManagedScope, describePrefixes } from './scope.js';

export interface TopicPlanOptions {
  /** topics.managedPrefix; empty when the config does not set one. */
  managedPrefixes: readonly string[];
  deleteMode: 'forbid' | 'managed';
  prune: boolean;
  /** Topics declared but marked unmanaged (Strimzi strimzi.io/managed: "false"). */
  unmanaged?: ReadonlySet<string>;
  /**
   * Topic config names the broker knows (DescribeConfigs lists them all). When given, a declared
   * key outside it is a violation; leave undefined to let the broker judge (validate-only requests).
   */
  knownConfigKeys?: ReadonlySet<string>;
}

export interface ClusterTopics {
  /** Every topic visible to synchook's principal. */
  names: readonly string[];
  /** The declared topics that exist, with their configs read, and the deletion candidates. */
  topics: ReadonlyMap<string, ActualTopic>;
  /** Brokers in the cluster, for the replication-factor check; undefined when unknown. */
  brokerCount?: number;
}

export interface TopicCreation {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  config: Record<string, string>;
  source: string;
}

export interface PartitionIncrease {
  name: string;
  from: number;
  to: number;
  source: string;
}

interface ConfigKeyChange {
  key: string;
  /** The value before; undefined when Kafka had none (an unknown key). */
  from?: string | null;
  /** True when `from` is a default (broker or built-in), not a value set on the topic. */
  fromDefault: boolean;
  /** The value after; undefined when the key is reverted to the default (prune). */
  to?: string;
}

export interface TopicConfigChange {
  name: string;
  source: string;
  /**
   * The keys to set and their values: only the declared keys whose value differs. Apply sends
   * them with IncrementalAlterConfigs, so keys set on the topic by anyone else stay as they are.
   */
  set: Record<string, string>;
  /** Keys set on the topic but not declared, reverted to their default (prune). */
  delete: string[];
  changed: ConfigKeyChange[];
}

interface TopicDeletion {
  name: string;
  partitions: number;
}

export interface TopicPlanState {
  creates: TopicCreation[];
  partitionIncreases: PartitionIncrease[];
  configChanges: TopicConfigChange[];
  deletes: TopicDeletion[];
  /** Replication-factor changes and reassignments in progress (reassignment-plan.ts), with topics.allowReassignment. */
  reassignments?: TopicReassignment[];
}

export interface TopicPlanResult {
  state: TopicPlanState;
  changes: PlannedChange[];
  violations: Violation[];
  warnings: string[];
}

/**
 * Compares the declared topics with the cluster: what to create, which partitions to add, which
 * configs to change, what to delete, and every violation (the rules of the topics task). Pure: the
 * same inputs give the same plan, sorted by topic name.
 */
export function planTopicChanges(desired: readonly DesiredTopic[], cluster: ClusterTopics, options: TopicPlanOptions): TopicPlanResult {
  const state: TopicPlanState = { creates: [], partitionIncreases: [], configChanges: [], deletes: [] };
  const changes: PlannedChange[] = [];
  const violations: Violation[] = [];
  const warnings: string[] = [];
  const violate = (topic: string, rule: string, message: string, file?: string) => violations.push({ resource: `topic ${topic}`, rule, message, ...(file ? { file } : {}) });

  const existingByCollisionKey = new Map<string, string>();
  for (const name of cluster.names) existingByCollisionKey.set(collisionKey(name), name);
  const declaredByCollisionKey = new Map<string, string>();

  for (const topic of [...desired].sort((a, b) => a.name.localeCompare(b.name))) {
    const nameProblem = topicNameProblem(topic.name);
    if (nameProblem) {
      violate(topic.name, 'invalid-topic-name', `${nameProblem}.`, topic.source);
      continue;
    }
    const warning = topicNameWarning(topic.name);
    if (warning) warnings.push(warning);
    if (options.managedPrefixes.length > 0 && !inManagedScope(topic.name, options.managedPrefixes)) {
      violate(topic.name, 'outside-managed-scope', `the name is outside topics.managedPrefix (${describePrefixes(options.managedPrefixes)}); this config may not create or change it. Rename the topic or add its prefix to managedPrefix.`, topic.source);
      continue;
    }
    if (topic.replicationFactor !== undefined && cluster.brokerCount !== undefined && topic.replicationFactor > cluster.brokerCount) {
      violate(topic.name, 'replication-factor-above-brokers', `replication factor ${topic.replicationFactor} is more than the ${cluster.brokerCount} broker${cluster.brokerCount === 1 ? '' : 's'} of the cluster. Lower it to at most ${cluster.brokerCount}.`, topic.fieldSources?.replicationFactor ?? topic.source);
    }
    const unknownKeys = options.knownConfigKeys ? Object.keys(topic.config).filter((key) => !options.knownConfigKeys!.has(key)) : [];
    for (const key of unknownKeys) {
      violate(topic.name, 'unknown-config-key', `${key} is not a topic config this broker knows${suggestKey(key, options.knownConfigKeys!)}. Fix the key or remove it.`, topic.fieldSources?.config?.[key] ?? topic.source);
    }

    const actual = cluster.topics.get(topic.name);
    if (!actual) {
      const key = collisionKey(topic.name);
      const clash = existingByCollisionKey.get(key) ?? declaredByCollisionKey.get(key);
      if (clash !== undefined && clash !== topic.name) {
        violate(topic.name, 'topic-name-collision', `collides with topic ${clash}: Kafka maps "." and "_" to the same metric names and refuses the second one. Rename one of them.`, topic.source);
        continue;
      }
      declaredByCollisionKey.set(key, topic.name);
      state.creates.push(withLazySource({ name: topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor, config: topic.config }, () => topic.source));
      changes.push(creationChange(topic));
      continue;
    }
    declaredByCollisionKey.set(collisionKey(topic.name), topic.name);

    const details: string[] = [];
    const lines: string[] = [];
    if (topic.partitions !== undefined && topic.partitions !== actual.partitions) {
      if (topic.partitions < actual.partitions) {
        violate(topic.name, 'partition-decrease', `partitions ${actual.partitions} → ${topic.partitions} is a decrease; Kafka cannot remove partitions. Create a new topic or keep ${actual.partitions}.`, topic.fieldSources?.partitions ?? topic.source);
      } else {
        state.partitionIncreases.push(withLazySource({ name: topic.name, from: actual.partitions, to: topic.partitions }, () => topic.source));
        details.push(`partitions ${actual.partitions} → ${topic.partitions}`);
        lines.push('new partitions change which partition a key maps to; keyed records of the same key may land elsewhere from now on');
      }
    }
    if (topic.replicationFactor !== undefined && topic.replicationFactor !== actual.replicationFactor) {
      violate(
        topic.name,
        'replication-factor-change',
        `replication factor ${actual.replicationFactor} → ${topic.replicationFactor} needs a partition reassignment, which synchook does not do. Reassign the replicas with kafka-reassign-partitions (or Cruise Control) first, or keep ${actual.replicationFactor}.`,
        topic.fieldSources?.replicationFactor ?? topic.source,
      );
    }
    const configChange = planConfigChange(topic, actual, options);
    if (configChange) {
      state.configChanges.push(configChange);
      details.push(`${configChange.changed.length} config change${configChange.changed.length === 1 ? '' : 's'}`);
      lines.push(...configChange.changed.map(describeKeyChange));
    }
    if (details.length > 0) changes.push({ action: 'update', resource: topicResource(topic.name), detail: details.join('; '), lines });
  }

  planDeletions(desired, cluster, options, state, changes, violate);
  return { state, changes, violations, warnings };
}

function planConfigChange(topic: DesiredTopic, actual: ActualTopic, options: TopicPlanOptions): TopicConfigChange | undefined {
  const current = actual.config ?? new Map();
  const set: Record<string, string> = {};
  const pruned: string[] = [];
  const changed: ConfigKeyChange[] = [];
  if (options.prune) {
    for (const [key, entry] of current) {
      if (!entry.own || key in topic.config) continue;
      pruned.push(key);
      changed.push({ key, from: entry.value, fromDefault: false });
    }
  }
  for (const [key, value] of Object.entries(topic.config)) {
    const entry = current.get(key);
    if (entry?.own && sameConfigValue(entry.value, value)) continue;
    set[key] = value;
    changed.push({ key, from: entry?.value, fromDefault: entry !== undefined && !entry.own, to: value });
  }
  if (changed.length === 0) return undefined;
  changed.sort((a, b) => a.key.localeCompare(b.key));
  return withLazySource({ name: topic.name, set: sortKeys(set), delete: pruned.sort(), changed }, () => topic.source);
}

function planDeletions(
  desired: readonly DesiredTopic[],
  cluster: ClusterTopics,
  options: TopicPlanOptions,
  state: TopicPlanState,
  changes: PlannedChange[],
  violate: (topic: string, rule: string, message: string) => void,
): void {
  if (options.managedPrefixes.length === 0) return;
  const declared = new Set(desired.map((topic) => topic.name));
  const candidates = cluster.names
    .filter((name) => !declared.has(name) && !options.unmanaged?.has(name) && !isInternalTopic(name) && inManagedScope(name, options.managedPrefixes))
    .sort((a, b) => a.localeCompare(b));
  for (const name of candidates) {
    const partitions = cluster.topics.get(name)?.partitions ?? 0;
    if (options.deleteMode === 'managed') {
      state.deletes.push({ name, partitions });
      changes.push({ action: 'delete', resource: topicResource(name), detail: `no longer declared under ${describePrefixes(options.managedPrefixes)}${partitions ? ` (${partitions} partition${partitions === 1 ? '' : 's'}, its records are lost)` : ''}` });
    } else {
      violate(
        name,
        'forbid-delete',
        `the topic is under topics.managedPrefix (${describePrefixes(options.managedPrefixes)}) but no longer declared, and deleting it needs topics.delete: managed. Declare it again to keep it, or set delete: managed to delete it.`,
      );
    }
  }
}

function creationChange(topic: DesiredTopic): PlannedChange {
  const partitions = topic.partitions === undefined ? 'partitions: broker default' : `${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}`;
  const replication = topic.replicationFactor === undefined ? 'replication factor: broker default' : `replication factor ${topic.replicationFactor}`;
  const lines = Object.entries(topic.config)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key} = ${value}`);
  return { action: 'create', resource: topicResource(topic.name), detail: `${partitions}, ${replication}`, lines };
}

function describeKeyChange(change: ConfigKeyChange): string {
  const from = change.from === undefined ? '(not set)' : change.from === null ? '(hidden)' : `${change.from}${change.fromDefault ? ' (default)' : ''}`;
  const to = change.to === undefined ? '(default, prune)' : change.to;
  return `${change.key}: ${from} → ${to}`;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** " (did you mean retention.ms?)" for a near miss; empty otherwise. */
export function suggestKey(key: string, known: ReadonlySet<string>): string {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean ${best.name}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

/** The resource a topic's planned change names; an apply records its confirmations under it. */
export function topicResource(name: string): string {
  return `topic ${name}`;
}
