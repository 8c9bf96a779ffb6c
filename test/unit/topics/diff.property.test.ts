import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planTopicChanges, type ClusterTopics, type TopicPlanOptions, type TopicPlanState } from '../../../src/tasks/topics/diff.js';
import type { ActualConfigEntry, ActualTopic, DesiredTopic } from '../../../src/tasks/topics/model.js';

const KEYS = ['retention.ms', 'cleanup.policy', 'segment.bytes', 'max.message.bytes'];
const DEFAULTS: Record<string, string> = { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'segment.bytes': '1073741824', 'max.message.bytes': '1048588' };
const name = fc.stringMatching(/^(orders|other)\.[a-z]{1,3}$/);
const value = fc.constantFrom('1', '2', '1000', 'delete', 'compact', '604800000');
const configMap = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 3 });

const desiredTopics = fc.uniqueArray(fc.record({ name, partitions: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), config: configMap }), { selector: (topic) => topic.name, maxLength: 6 }).map((topics) =>
  topics.map((topic): DesiredTopic => ({ ...topic, replicationFactor: undefined, source: 't.yaml:1:1', file: 't.yaml', format: 'synchook' })),
);
const actualTopics = fc.uniqueArray(fc.record({ name, partitions: fc.integer({ min: 1, max: 6 }), own: configMap }), { selector: (topic) => topic.name, maxLength: 6 });
const options = fc.record({ managedPrefixes: fc.constantFrom([], ['orders.']), deleteMode: fc.constantFrom('forbid' as const, 'managed' as const), prune: fc.boolean() });

function clusterOf(topics: Array<{ name: string; partitions: number; own: Record<string, string> }>): ClusterTopics {
  const map = new Map<string, ActualTopic>();
  for (const topic of topics) map.set(topic.name, { name: topic.name, partitions: topic.partitions, replicationFactor: 1, config: configOf(topic.own) });
  return { names: topics.map((topic) => topic.name), topics: map };
}

function configOf(own: Record<string, string>): Map<string, ActualConfigEntry> {
  const config = new Map<string, ActualConfigEntry>();
  for (const key of KEYS) config.set(key, key in own ? { value: own[key]!, own: true, sensitive: false } : { value: DEFAULTS[key]!, own: false, sensitive: false });
  return config;
}

/** What the cluster looks like after a plan is applied (Kafka's semantics, modelled). */
function applied(cluster: ClusterTopics, state: TopicPlanState): ClusterTopics {
  const topics = new Map(cluster.topics);
  for (const creation of state.creates) topics.set(creation.name, { name: creation.name, partitions: creation.partitions ?? 1, replicationFactor: 1, config: configOf(creation.config) });
  for (const increase of state.partitionIncreases) topics.set(increase.name, { ...topics.get(increase.name)!, partitions: increase.to });
  // IncrementalAlterConfigs: SET overwrites the named keys, DELETE reverts them; other own keys stay.
  for (const change of state.configChanges) {
    const topic = topics.get(change.name)!;
    const own: Record<string, string> = {};
    for (const [key, entry] of topic.config ?? new Map<string, ActualConfigEntry>()) if (entry.own && entry.value !== null) own[key] = entry.value;
    Object.assign(own, change.set);
    for (const key of change.delete) delete own[key];
    topics.set(change.name, { ...topic, config: configOf(own) });
  }
  for (const deletion of state.deletes) topics.delete(deletion.name);
  return { names: [...topics.keys()], topics };
}

describe('planTopicChanges properties', () => {
  it('never throws, and applying a plan without violations leaves nothing to plan', () => {
    fc.assert(
      fc.property(desiredTopics, actualTopics, options, (desired, actual, opts: TopicPlanOptions) => {
        const cluster = clusterOf(actual);
        const plan = planTopicChanges(desired, cluster, opts);
        fc.pre(plan.violations.length === 0);
        const again = planTopicChanges(desired, applied(cluster, plan.state), opts);
        expect(again.changes).toEqual([]);
        expect(again.violations).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every key set on a topic unless prune is on', () => {
    fc.assert(
      fc.property(desiredTopics, actualTopics, (desired, actual) => {
        const cluster = clusterOf(actual);
        const plan = planTopicChanges(desired, cluster, { managedPrefixes: [], deleteMode: 'forbid', prune: false });
        for (const change of plan.state.configChanges) {
          const own = actual.find((topic) => topic.name === change.name)!.own;
          expect(change.delete).toEqual([]);
          for (const key of Object.keys(change.set)) expect(desired.find((topic) => topic.name === change.name)!.config).toHaveProperty(key);
        }
      }),
      { numRuns: 300 },
    );
  });
});
