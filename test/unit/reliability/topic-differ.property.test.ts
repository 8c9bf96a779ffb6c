import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planTopicChanges, type ClusterTopics, type TopicPlanState } from '../../../src/tasks/topics/index.js';
import type { ActualConfigEntry, ActualTopic, DesiredTopic } from '../../../src/tasks/topics/model.js';
import { sameConfigValue } from '../../../src/tasks/shared/topic-declarations/config-values.js';

/**
 * The topic planner is pure: for any declared topics and any cluster it returns a plan (never
 * throws), the plan never shrinks a topic or changes its replication factor, and applying the plan
 * to the cluster and planning again finds nothing left to do.
 */

const BROKER_DEFAULT_PARTITIONS = 1;
const BROKER_DEFAULT_REPLICATION = 1;

const name = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[ab][ab._-]{0,4}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', 'a/b', 'a b', 'ä', 'x'.repeat(250), '__consumer_offsets') },
);
const configKey = fc.constantFrom('retention.ms', 'cleanup.policy', 'min.insync.replicas', 'segment.bytes', 'max.message.bytes', 'unknown.key');
const configValue = fc.oneof(fc.constantFrom('1000', '1000.0', '0.5', '0.50', 'compact', 'compact,delete', 'compact, delete', '9223372036854775807', '-1', ''), fc.string({ maxLength: 5 }));

const desiredTopic: fc.Arbitrary<DesiredTopic> = fc.record({
  name,
  partitions: fc.option(fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -3, max: 0 })), { nil: undefined }),
  replicationFactor: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  config: fc.dictionary(configKey, configValue, { maxKeys: 3 }),
  source: fc.constant('topics.yaml:1:1'),
  file: fc.constant('topics.yaml'),
  format: fc.constant('synchook' as const),
});

const actualEntry: fc.Arbitrary<ActualConfigEntry> = fc.record({
  value: fc.oneof({ weight: 9, arbitrary: configValue }, { weight: 1, arbitrary: fc.constant(null) }),
  own: fc.boolean(),
  sensitive: fc.boolean(),
});

const actualTopic = (topicName: string): fc.Arbitrary<ActualTopic> =>
  fc.record({
    name: fc.constant(topicName),
    partitions: fc.integer({ min: 1, max: 12 }),
    replicationFactor: fc.integer({ min: 1, max: 3 }),
    config: fc.option(fc.dictionary(configKey, actualEntry, { maxKeys: 4 }).map((entries) => new Map(Object.entries(entries))), { nil: undefined }),
  });

const scenario = fc
  .record({
    desired: fc.uniqueArray(desiredTopic, { selector: (topic) => topic.name, maxLength: 8 }),
    others: fc.uniqueArray(name, { maxLength: 5 }),
    existingShare: fc.double({ min: 0, max: 1, noNaN: true }),
    managedPrefixes: fc.subarray(['a', 'b.', 'ab'], { maxLength: 2 }),
    deleteMode: fc.constantFrom('forbid' as const, 'managed' as const),
    prune: fc.boolean(),
    brokerCount: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    knownKeys: fc.boolean(),
  })
  .chain((input) => {
    // Some declared topics exist already; some other topics exist too (deletion candidates).
    const existingNames = [...new Set([...input.desired.filter((_, index) => index / Math.max(1, input.desired.length) < input.existingShare).map((topic) => topic.name), ...input.others])].filter(
      (topicName) => topicName.length > 0,
    );
    return fc.tuple(fc.constant(input), fc.tuple(...existingNames.map(actualTopic)));
  })
  .map(([input, existing]) => {
    const declared = new Set(input.desired.map((topic) => topic.name));
    const topics = new Map<string, ActualTopic>();
    for (const topic of existing) {
      // Only declared topics have their configs read (cluster.ts); others have none.
      topics.set(topic.name, declared.has(topic.name) ? { ...topic, config: topic.config ?? new Map() } : { ...topic, config: undefined });
    }
    const cluster: ClusterTopics = { names: [...topics.keys()], topics, brokerCount: input.brokerCount };
    const options = {
      managedPrefixes: input.managedPrefixes,
      deleteMode: input.deleteMode,
      prune: input.prune,
      knownConfigKeys: input.knownKeys ? new Set(['retention.ms', 'cleanup.policy', 'min.insync.replicas', 'segment.bytes', 'max.message.bytes']) : undefined,
    };
    return { desired: input.desired, cluster, options };
  });

/** What the cluster looks like after a plan is applied, as Kafka would do it. */
function applyToModel(cluster: ClusterTopics, state: TopicPlanState): ClusterTopics {
  const topics = new Map<string, ActualTopic>();
  for (const [topicName, topic] of cluster.topics) topics.set(topicName, { ...topic, config: topic.config ? new Map(topic.config) : undefined });
  for (const creation of state.creates) {
    const config = new Map<string, ActualConfigEntry>(Object.entries(creation.config).map(([key, value]) => [key, { value, own: true, sensitive: false }]));
    topics.set(creation.name, {
      name: creation.name,
      partitions: creation.partitions ?? BROKER_DEFAULT_PARTITIONS,
      replicationFactor: creation.replicationFactor ?? BROKER_DEFAULT_REPLICATION,
      config,
    });
  }
  for (const increase of state.partitionIncreases) topics.get(increase.name)!.partitions = increase.to;
  for (const change of state.configChanges) {
    const topic = topics.get(change.name)!;
    // IncrementalAlterConfigs: SET overwrites the named keys, DELETE drops them from the own config; other keys stay.
    const next = new Map<string, ActualConfigEntry>(topic.config ?? new Map<string, ActualConfigEntry>());
    for (const [key, value] of Object.entries(change.set)) next.set(key, { value, own: true, sensitive: false });
    for (const key of change.delete) next.delete(key);
    topic.config = next;
  }
  for (const deletion of state.deletes) topics.delete(deletion.name);
  return { names: [...topics.keys()], topics, brokerCount: cluster.brokerCount };
}

describe('topic planner (planTopicChanges): any input gives a plan, never a crash', () => {
  it('returns a plan for any declared topics and cluster, and the same plan twice', () => {
    fc.assert(
      fc.property(scenario, ({ desired, cluster, options }) => {
        const first = planTopicChanges(desired, cluster, options);
        const second = planTopicChanges(desired, cluster, options);
        expect(second).toEqual(first);
        for (const violation of first.violations) {
          expect(violation.message.length).toBeGreaterThan(10);
          expect(violation.message).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]/);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('never plans a partition decrease, a replication-factor change, or a change outside the managed prefix', () => {
    fc.assert(
      fc.property(scenario, ({ desired, cluster, options }) => {
        const { state } = planTopicChanges(desired, cluster, options);
        for (const increase of state.partitionIncreases) {
          expect(increase.to).toBeGreaterThan(increase.from);
          expect(cluster.topics.get(increase.name)!.partitions).toBe(increase.from);
        }
        const written = [...state.creates.map((item) => item.name), ...state.partitionIncreases.map((item) => item.name), ...state.configChanges.map((item) => item.name), ...state.deletes.map((item) => item.name)];
        if (options.managedPrefixes.length > 0) for (const topicName of written) expect(options.managedPrefixes.some((prefix) => topicName.startsWith(prefix))).toBe(true);
        // Deletion only with delete: managed, only of undeclared topics, never of internal ones.
        const declared = new Set(desired.map((topic) => topic.name));
        for (const deletion of state.deletes) {
          expect(options.deleteMode).toBe('managed');
          expect(declared.has(deletion.name)).toBe(false);
          expect(deletion.name.startsWith('__')).toBe(false);
        }
        for (const creation of state.creates) expect(cluster.topics.has(creation.name)).toBe(false);
      }),
      { numRuns: 1500 },
    );
  });

  it('touches only declared keys (without prune): every other own config key is neither set nor deleted', () => {
    fc.assert(
      fc.property(scenario, ({ desired, cluster, options }) => {
        const { state } = planTopicChanges(desired, cluster, { ...options, prune: false });
        for (const change of state.configChanges) {
          expect(change.delete).toEqual([]);
          const declared = desired.find((topic) => topic.name === change.name)!.config;
          for (const key of Object.keys(change.set)) expect(Object.keys(declared)).toContain(key);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('converges: applying a plan without violations and planning again gives no changes', () => {
    fc.assert(
      fc.property(scenario, ({ desired, cluster, options }) => {
        const first = planTopicChanges(desired, cluster, options);
        fc.pre(first.violations.length === 0);
        const after = applyToModel(cluster, first.state);
        const second = planTopicChanges(desired, after, options);
        expect(second.changes, JSON.stringify(second.changes)).toEqual([]);
        expect(second.violations).toEqual([]);
        for (const topic of desired) {
          const applied = after.topics.get(topic.name)!;
          for (const [key, value] of Object.entries(topic.config)) expect(sameConfigValue(applied.config!.get(key)?.value, value)).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
