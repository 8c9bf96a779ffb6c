import { describe, expect, it } from 'vitest';
import { judgeTopics, type PartitionState, type TopicState } from '../../../src/tasks/health/topics.js';

const healthy = (count: number, replicas = [1, 2, 3]): PartitionState[] => Array.from({ length: count }, (_, partition) => ({ partition, leader: replicas[0]!, replicas, isr: replicas }));
const states = (entries: Record<string, TopicState>) => new Map(Object.entries(entries));

describe('topic health', () => {
  it('counts healthy topics and partitions', () => {
    const verdict = judgeTopics([{ name: 'a', partitions: 3, replicationFactor: 3, source: 'health.topics[0]' }, { name: 'b', source: 'health.topics[1]' }], states({ a: { status: 'ok', partitions: healthy(3) }, b: { status: 'ok', partitions: healthy(1) } }), 'deny');
    expect(verdict).toEqual({ violations: [], warnings: [], healthy: 2, partitions: 4, offline: 0, underReplicated: 0 });
  });

  it('names a missing topic, a partition count that differs and a replica count that differs, with the fix', () => {
    const verdict = judgeTopics(
      [
        { name: 'gone', source: 'topics/a.yaml:3:5' },
        { name: 'small', partitions: 6, source: 'health.topics[1]' },
        { name: 'big', partitions: 2, source: 'health.topics[2]' },
        { name: 'thin', replicationFactor: 3, source: 'health.topics[3]' },
      ],
      states({ gone: { status: 'missing' }, small: { status: 'ok', partitions: healthy(3) }, big: { status: 'ok', partitions: healthy(4) }, thin: { status: 'ok', partitions: healthy(2, [1]) } }),
      'deny',
    );
    expect(verdict.violations.map((violation) => `${violation.resource}: ${violation.message}`)).toEqual([
      'topic gone: does not exist (declared at topics/a.yaml:3:5). Create it in PreSync (topics section), fix the name, or grant the synchook principal DESCRIBE on it (a topic it may not describe looks missing).',
      'topic small: has 3 partitions, 6 declared (at health.topics[1]). Run PreSync to add the missing partitions.',
      'topic big: has 4 partitions, 2 declared (at health.topics[2]). Kafka cannot remove partitions; declare the actual count.',
      'topic thin: 2 partitions have a replica count other than the declared 3 (partition 0: 1). A reassignment (kafka-reassign-partitions) changes it.',
    ]);
    expect(verdict.healthy).toBe(0);
  });

  it('fails on partitions without a leader, always', () => {
    const partitions = healthy(3);
    partitions[1] = { partition: 1, leader: -1, replicas: [1, 2, 3], isr: [] };
    const verdict = judgeTopics([{ name: 'a', source: 's' }, { name: 'b', source: 's' }], states({ a: { status: 'ok', partitions }, b: { status: 'leaderless', detail: 'There is no leader for this topic-partition' } }), 'warn');
    expect(verdict.offline).toBe(2);
    expect(verdict.violations.map((violation) => violation.rule)).toEqual(['offline-partitions', 'offline-partitions']);
    expect(verdict.violations[0]!.message).toBe('partitions 1 have no leader, so they are offline. Check the brokers that host their replicas.');
  });

  it('denies or warns on under-replicated partitions as configured', () => {
    const partitions = healthy(2);
    partitions[0] = { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 3] };
    const denied = judgeTopics([{ name: 'a', source: 's' }], states({ a: { status: 'ok', partitions } }), 'deny');
    expect(denied.violations[0]).toEqual({
      resource: 'topic a',
      rule: 'under-replicated',
      message: '1 partitions are under-replicated (partition 0: in sync 2 of 3 replicas, brokers 2 behind). Check those brokers, or set health.underReplicated: warn to accept it.',
    });
    const warned = judgeTopics([{ name: 'a', source: 's' }], states({ a: { status: 'ok', partitions } }), 'warn');
    expect(warned.violations).toEqual([]);
    expect(warned.warnings).toEqual(['topic a: 1 partitions are under-replicated (partition 0: in sync 2 of 3 replicas, brokers 2 behind).']);
    expect(warned.underReplicated).toBe(1);
    expect(warned.healthy).toBe(1);
  });
});
