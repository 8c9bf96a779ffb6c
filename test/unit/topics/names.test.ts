import { describe, expect, it } from 'vitest';
import { normalizeConfigValue, sameConfigValue } from '../../../src/tasks/shared/topic-declarations/config-values.js';
import { collisionKey, topicNameProblem, topicNameWarning } from '../../../src/tasks/topics/names.js';

describe('topic name rules (Kafka\'s)', () => {
  it('accepts letters, digits, ".", "_" and "-" up to 249 characters', () => {
    for (const name of ['orders', 'orders.v1', 'orders_v1', 'orders-v1', 'A.b-C_9', 'x'.repeat(249), '...a']) expect(topicNameProblem(name)).toBeUndefined();
  });

  it('refuses empty, ".", "..", too long and illegal characters, saying what to do', () => {
    expect(topicNameProblem('')).toContain('empty');
    expect(topicNameProblem('.')).toContain('reserves');
    expect(topicNameProblem('..')).toContain('reserves');
    expect(topicNameProblem('x'.repeat(250))).toBe('the name is 250 characters long; Kafka allows at most 249. Shorten it');
    expect(topicNameProblem('orders/v1')).toContain('"/"');
    expect(topicNameProblem('orders v1')).toContain('" "');
    expect(topicNameProblem('ordérs')).toContain('"é"');
    expect(topicNameProblem('orders:v1')).toContain('Rename it');
  });

  it('warns when a name mixes "." and "_", which collide in metric names', () => {
    expect(topicNameWarning('orders.v1_dlq')).toContain('mixes "." and "_"');
    expect(topicNameWarning('orders.v1')).toBeUndefined();
    expect(topicNameWarning('orders_v1')).toBeUndefined();
    expect(collisionKey('orders.v1')).toBe(collisionKey('orders_v1'));
  });
});

describe('config values', () => {
  it('turns YAML numbers, booleans and lists into the strings Kafka stores', () => {
    expect(normalizeConfigValue(604800000)).toEqual({ value: '604800000' });
    expect(normalizeConfigValue(-1)).toEqual({ value: '-1' });
    expect(normalizeConfigValue(0.5)).toEqual({ value: '0.5' });
    expect(normalizeConfigValue(true)).toEqual({ value: 'true' });
    expect(normalizeConfigValue(['compact', 'delete'])).toEqual({ value: 'compact,delete' });
    expect(normalizeConfigValue('compact, delete')).toEqual({ value: 'compact,delete' });
    expect(normalizeConfigValue('zstd')).toEqual({ value: 'zstd' });
  });

  it('refuses values Kafka cannot hold or YAML cannot carry exactly', () => {
    expect(normalizeConfigValue(null)).toHaveProperty('problem');
    expect(normalizeConfigValue({ a: 1 })).toHaveProperty('problem');
    expect(normalizeConfigValue([['a']])).toHaveProperty('problem');
    expect(normalizeConfigValue(Number.POSITIVE_INFINITY)).toHaveProperty('problem');
    expect(normalizeConfigValue(9223372036854775807)).toHaveProperty('problem');
  });

  it('compares values as Kafka means them', () => {
    expect(sameConfigValue('0.5', '0.50')).toBe(true);
    expect(sameConfigValue('compact,delete', 'compact, delete')).toBe(true);
    expect(sameConfigValue('1000', '1000')).toBe(true);
    expect(sameConfigValue('1000', '1001')).toBe(false);
    expect(sameConfigValue('9223372036854775807', '9223372036854775806')).toBe(false);
    expect(sameConfigValue('delete', 'compact')).toBe(false);
    expect(sameConfigValue(null, '1')).toBe(false);
  });
});
