import { describe, expect, it } from 'vitest';
import { planTopicChanges, type ClusterTopics, type TopicPlanOptions } from '../../../src/tasks/topics/diff.js';
import type { ActualConfigEntry, ActualTopic, DesiredTopic } from '../../../src/tasks/topics/model.js';

function desired(name: string, extra: Partial<DesiredTopic> = {}): DesiredTopic {
  return { name, config: {}, source: `topics.yaml:${name.length}:3`, file: 'topics.yaml', format: 'synchook', ...extra };
}

/** An existing topic; `own` are keys set on the topic, `defaults` keys at their default. */
function actual(name: string, partitions: number, replicationFactor: number, own: Record<string, string> = {}, defaults: Record<string, string> = {}): ActualTopic {
  const config = new Map<string, ActualConfigEntry>();
  for (const [key, value] of Object.entries({ 'retention.ms': '604800000', 'cleanup.policy': 'delete', ...defaults })) config.set(key, { value, own: false, sensitive: false });
  for (const [key, value] of Object.entries(own)) config.set(key, { value, own: true, sensitive: false });
  return { name, partitions, replicationFactor, config };
}

function cluster(...topics: ActualTopic[]): ClusterTopics {
  return { names: topics.map((topic) => topic.name), topics: new Map(topics.map((topic) => [topic.name, topic])) };
}

const options: TopicPlanOptions = { managedPrefixes: [], deleteMode: 'forbid', prune: false };

describe('planTopicChanges', () => {
  it('plans creation of missing topics with their partitions, replication factor and config', () => {
    const plan = planTopicChanges([desired('b.v1', { partitions: 6, replicationFactor: 3, config: { 'retention.ms': '1000' } }), desired('a.v1')], cluster(), options);
    expect(plan.violations).toEqual([]);
    expect(plan.state.creates.map((creation) => creation.name)).toEqual(['a.v1', 'b.v1']);
    expect(plan.changes).toEqual([
      { action: 'create', resource: 'topic a.v1', detail: 'partitions: broker default, replication factor: broker default', lines: [] },
      { action: 'create', resource: 'topic b.v1', detail: '6 partitions, replication factor 3', lines: ['retention.ms = 1000'] },
    ]);
  });

  it('plans nothing when the cluster already matches', () => {
    const plan = planTopicChanges([desired('a', { partitions: 3, replicationFactor: 1, config: { 'retention.ms': '1000' } })], cluster(actual('a', 3, 1, { 'retention.ms': '1000' })), options);
    expect(plan.changes).toEqual([]);
    expect(plan.violations).toEqual([]);
    expect(plan.state).toEqual({ creates: [], partitionIncreases: [], configChanges: [], deletes: [] });
  });

  it('treats an undeclared partition count or replication factor as "leave alone"', () => {
    const plan = planTopicChanges([desired('a')], cluster(actual('a', 12, 3)), options);
    expect(plan.changes).toEqual([]);
  });

  it('increases partitions and says what that does to keyed records', () => {
    const plan = planTopicChanges([desired('a', { partitions: 6 })], cluster(actual('a', 3, 1)), options);
    expect(plan.state.partitionIncreases).toEqual([{ name: 'a', from: 3, to: 6, source: expect.any(String) }]);
    expect(plan.changes[0]).toMatchObject({ action: 'update', resource: 'topic a', detail: 'partitions 3 → 6' });
    expect(plan.changes[0]!.lines!.join(' ')).toContain('key maps to');
  });

  it('refuses a partition decrease, naming the topic and the fix', () => {
    const plan = planTopicChanges([desired('orders.v1', { partitions: 6 })], cluster(actual('orders.v1', 12, 1)), options);
    expect(plan.violations).toEqual([
      { resource: 'topic orders.v1', rule: 'partition-decrease', message: 'partitions 12 → 6 is a decrease; Kafka cannot remove partitions. Create a new topic or keep 12.', file: expect.any(String) },
    ]);
    expect(plan.state.partitionIncreases).toEqual([]);
  });

  it('refuses a replication factor change and points at a reassignment', () => {
    const plan = planTopicChanges([desired('a', { replicationFactor: 3 })], cluster(actual('a', 3, 1)), options);
    expect(plan.violations[0]).toMatchObject({ resource: 'topic a', rule: 'replication-factor-change' });
    expect(plan.violations[0]!.message).toContain('replication factor 1 → 3 needs a partition reassignment');
    expect(plan.violations[0]!.message).toContain('kafka-reassign-partitions');
  });

  it('refuses a replication factor above the broker count when the count is known', () => {
    const plan = planTopicChanges([desired('a', { replicationFactor: 3 })], { ...cluster(), brokerCount: 1 }, options);
    expect(plan.violations[0]).toMatchObject({ rule: 'replication-factor-above-brokers' });
  });

  it('changes config keys, showing old → new and whether the old value was a default', () => {
    const plan = planTopicChanges(
      [desired('a', { config: { 'retention.ms': '86400000', 'cleanup.policy': 'compact', 'segment.ms': '3600000' } })],
      cluster(actual('a', 1, 1, { 'retention.ms': '604800000', 'segment.ms': '3600000' })),
      options,
    );
    expect(plan.changes).toEqual([
      { action: 'update', resource: 'topic a', detail: '2 config changes', lines: ['cleanup.policy: delete (default) → compact', 'retention.ms: 604800000 → 86400000'] },
    ]);
  });

  it('sets only the declared keys that differ: keys set out of band are not sent at all', () => {
    const plan = planTopicChanges(
      [desired('a', { config: { 'retention.ms': '1000' } })],
      cluster(actual('a', 1, 1, { 'retention.ms': '2000', 'max.message.bytes': '2097152' })),
      options,
    );
    expect(plan.state.configChanges).toEqual([
      { name: 'a', source: expect.any(String), set: { 'retention.ms': '1000' }, delete: [], changed: [{ key: 'retention.ms', from: '2000', fromDefault: false, to: '1000' }] },
    ]);
  });

  it('never plans a change only because an undeclared key is set on the topic', () => {
    const plan = planTopicChanges([desired('a', { config: { 'retention.ms': '1000' } })], cluster(actual('a', 1, 1, { 'retention.ms': '1000', 'max.message.bytes': '2097152' })), options);
    expect(plan.changes).toEqual([]);
  });

  it('reverts undeclared keys to the default only with prune', () => {
    const plan = planTopicChanges(
      [desired('a', { config: { 'retention.ms': '1000' } })],
      cluster(actual('a', 1, 1, { 'retention.ms': '1000', 'max.message.bytes': '2097152' })),
      { ...options, prune: true },
    );
    expect(plan.state.configChanges[0]).toMatchObject({ set: {}, delete: ['max.message.bytes'], changed: [{ key: 'max.message.bytes', from: '2097152', fromDefault: false }] });
    expect(plan.changes[0]!.lines).toEqual(['max.message.bytes: 2097152 → (default, prune)']);
  });

  it('leaves an equal value in another spelling alone instead of planning a change', () => {
    const plan = planTopicChanges([desired('a', { config: { 'min.cleanable.dirty.ratio': '0.50', 'retention.ms': '1000' } })], cluster(actual('a', 1, 1, { 'min.cleanable.dirty.ratio': '0.5', 'retention.ms': '2000' })), options);
    expect(plan.state.configChanges[0]!.set).toEqual({ 'retention.ms': '1000' });
    expect(plan.state.configChanges[0]!.changed.map((change) => change.key)).toEqual(['retention.ms']);
  });

  it('pins a declared value equal to the default on the topic (the default may change later)', () => {
    const plan = planTopicChanges([desired('a', { config: { 'cleanup.policy': 'delete' } })], cluster(actual('a', 1, 1)), options);
    expect(plan.changes[0]!.lines).toEqual(['cleanup.policy: delete (default) → delete']);
  });

  it('refuses invalid names with Kafka\'s rules and warns on "." and "_" mixed', () => {
    const plan = planTopicChanges([desired('bad name'), desired('..'), desired('x'.repeat(250)), desired('ok.v1_x')], cluster(), options);
    expect(plan.violations.map((violation) => [violation.resource, violation.rule])).toEqual([
      ['topic ..', 'invalid-topic-name'],
      ['topic bad name', 'invalid-topic-name'],
      [`topic ${'x'.repeat(250)}`, 'invalid-topic-name'],
    ]);
    expect(plan.state.creates.map((creation) => creation.name)).toEqual(['ok.v1_x']);
    expect(plan.warnings).toHaveLength(1);
  });

  it('refuses a new topic that collides with an existing or another declared one in metric names', () => {
    const existing = planTopicChanges([desired('orders_v1')], cluster(actual('orders.v1', 1, 1)), options);
    expect(existing.violations[0]).toMatchObject({ resource: 'topic orders_v1', rule: 'topic-name-collision' });
    const declared = planTopicChanges([desired('a.b'), desired('a_b')], cluster(), options);
    expect(declared.violations).toHaveLength(1);
  });

  it('refuses topics outside the managed prefix', () => {
    const plan = planTopicChanges([desired('orders.v1'), desired('payments.v1')], cluster(), { ...options, managedPrefixes: ['orders.', 'shipping.'] });
    expect(plan.violations).toEqual([expect.objectContaining({ resource: 'topic payments.v1', rule: 'outside-managed-scope' })]);
    expect(plan.violations[0]!.message).toContain('"orders.", "shipping."');
  });

  it('refuses to delete an undeclared topic under the managed prefix unless delete is managed', () => {
    const state = cluster(actual('orders.v1', 1, 1), actual('orders.old', 3, 1), actual('payments.v1', 1, 1), actual('__consumer_offsets', 50, 1));
    const forbid = planTopicChanges([desired('orders.v1')], state, { ...options, managedPrefixes: ['orders.'] });
    expect(forbid.violations).toEqual([expect.objectContaining({ resource: 'topic orders.old', rule: 'forbid-delete' })]);
    expect(forbid.violations[0]!.message).toContain('delete: managed');
    expect(forbid.state.deletes).toEqual([]);

    const managed = planTopicChanges([desired('orders.v1')], state, { ...options, managedPrefixes: ['orders.'], deleteMode: 'managed' });
    expect(managed.violations).toEqual([]);
    expect(managed.state.deletes).toEqual([{ name: 'orders.old', partitions: 3 }]);
    expect(managed.changes).toEqual([expect.objectContaining({ action: 'delete', resource: 'topic orders.old' })]);
  });

  it('never deletes without a managed prefix, internal topics, or topics marked unmanaged', () => {
    const state = cluster(actual('orders.v1', 1, 1), actual('orders.legacy', 1, 1), actual('__orders', 1, 1));
    expect(planTopicChanges([], state, { ...options, deleteMode: 'managed' }).state.deletes).toEqual([]);
    const plan = planTopicChanges([], state, { ...options, managedPrefixes: ['orders.', '__'], deleteMode: 'managed', unmanaged: new Set(['orders.legacy']) });
    expect(plan.state.deletes.map((deletion) => deletion.name)).toEqual(['orders.v1']);
  });

  it('flags keys the broker does not list when asked to check them locally', () => {
    const plan = planTopicChanges([desired('a', { config: { 'retention.msx': '1' } })], cluster(), { ...options, knownConfigKeys: new Set(['retention.ms', 'cleanup.policy']) });
    expect(plan.violations[0]).toMatchObject({ rule: 'unknown-config-key' });
    expect(plan.violations[0]!.message).toContain('did you mean retention.ms?');
  });

  it('changes a topic whose own config holds a value Kafka hides, without touching that key', () => {
    const topic = actual('a', 1, 1, { 'retention.ms': '1' });
    topic.config!.set('secret.key', { value: null, own: true, sensitive: true });
    const plan = planTopicChanges([desired('a', { config: { 'retention.ms': '2' } })], cluster(topic), options);
    expect(plan.violations).toEqual([]);
    expect(plan.state.configChanges[0]).toMatchObject({ set: { 'retention.ms': '2' }, delete: [] });
  });
});
