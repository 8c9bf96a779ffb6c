import { describe, expect, it } from 'vitest';
import { classifyActions, describeKind, describeReason, forgetsObject } from '../../../src/tasks/terraform/actions.js';
import { anyGlob, compileGlob } from '../../../src/tasks/terraform/glob.js';

describe('classifyActions', () => {
  it.each([
    [['no-op'], 'no-op', undefined],
    [['create'], 'create', undefined],
    [['read'], 'read', undefined],
    [['update'], 'update', undefined],
    [['delete'], 'delete', undefined],
    [['forget'], 'forget', undefined],
    [['delete', 'create'], 'replace', 'delete-then-create'],
    [['create', 'delete'], 'replace', 'create-then-delete'],
    [['create', 'forget'], 'replace', 'create-then-forget'],
  ] as const)('%j is %s', (actions, kind, order) => {
    expect(classifyActions(actions)).toEqual(order ? { kind, replaceOrder: order } : { kind });
  });

  it('treats any future combination holding delete as destroying the object', () => {
    expect(classifyActions(['delete', 'create', 'update'])).toEqual({ kind: 'replace' });
    expect(classifyActions(['delete', 'something'])).toEqual({ kind: 'delete' });
    expect(classifyActions(['teleport'])).toEqual({ kind: 'unknown' });
  });

  it('knows which replacements leave the old object behind', () => {
    expect(forgetsObject(classifyActions(['create', 'forget']))).toBe(true);
    expect(forgetsObject(classifyActions(['forget']))).toBe(true);
    expect(forgetsObject(classifyActions(['delete', 'create']))).toBe(false);
  });

  it('describes actions and reasons in words', () => {
    expect(describeKind(classifyActions(['delete', 'create']))).toBe('replace (delete, then create)');
    expect(describeKind(classifyActions(['create', 'delete']))).toBe('replace (create the new object, then delete the old one)');
    expect(describeReason('replace_because_tainted')).toBe('replace_because_tainted (the object is tainted)');
    expect(describeReason('some_future_reason')).toBe('some_future_reason');
    expect(describeReason(undefined)).toBeUndefined();
  });
});

describe('globs over types and addresses', () => {
  it('lets * cross dots and brackets, and keeps everything else literal', () => {
    expect(compileGlob('module.kafka.*').test('module.kafka.kafka_topic.this["orders.v1"]')).toBe(true);
    expect(compileGlob('kafka_topic.this["orders"]').test('kafka_topic.this["orders"]')).toBe(true);
    expect(compileGlob('kafka_topic.this["orders"]').test('kafka_topic.this["ordersX"]')).toBe(false);
    expect(compileGlob('kafka_topic.a').test('kafka_topicXa')).toBe(false);
    expect(compileGlob('aws_msk_*').test('aws_msk_cluster')).toBe(true);
    expect(compileGlob('aws_msk_*').test('xaws_msk_cluster')).toBe(false);
    expect(compileGlob('kafka_topic.t[?]').test('kafka_topic.t[1]')).toBe(true);
    expect(compileGlob('kafka_topic.t[?]').test('kafka_topic.t[10]')).toBe(false);
  });

  it('matches when any pattern of a list matches', () => {
    const matches = anyGlob(['confluent_*', 'kafka_topic']);
    expect(['confluent_kafka_acl', 'kafka_topic', 'kafka_acl'].map(matches)).toEqual([true, true, false]);
  });
});
