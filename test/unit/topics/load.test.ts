import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { loadDesiredTopics } from '../../../src/tasks/shared/topic-declarations/load.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/topics/mixed', import.meta.url));

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-topics-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function loadError(files: Record<string, string>, patterns: string[] = Object.keys(files)): string {
  const dir = dirWith(files);
  try {
    loadDesiredTopics({ files: patterns }, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDesiredTopics', () => {
  it('reads synchook files and Strimzi resources through globs, with defaults and values in Kafka string form', () => {
    const desired = loadDesiredTopics({ files: ['topics/*.yaml', 'strimzi/**/*.yaml'], defaults: { replicationFactor: 1, config: { 'compression.type': 'lz4' } } }, FIXTURE);
    expect(desired.files).toEqual(['strimzi/mixed.yaml', 'strimzi/topics.yaml', 'topics/orders.yaml']);
    const byName = Object.fromEntries(desired.topics.map((topic) => [topic.name, topic]));
    expect(Object.keys(byName).sort()).toEqual(['orders.audit', 'orders.v1', 'payments.dlq', 'payments.v1', 'shipping.events', 'shipping.v1']);

    expect(byName['orders.v1']).toMatchObject({
      partitions: 6,
      replicationFactor: 1,
      format: 'synchook',
      file: 'topics/orders.yaml',
      source: 'topics/orders.yaml:7:5',
      config: {
        'compression.type': 'lz4',
        'retention.ms': '604800000',
        'cleanup.policy': 'compact,delete',
        'min.cleanable.dirty.ratio': '0.5',
        'unclean.leader.election.enable': 'false',
      },
    });
    // The topic's own value wins over the file's defaults, which win over the section's.
    expect(byName['orders.audit']).toMatchObject({ partitions: 1, config: { 'retention.ms': '-1', 'compression.type': 'lz4' } });
  });

  it('reads Strimzi KafkaTopic in v1beta2 and v1: topicName overrides metadata.name, replicas is the replication factor', () => {
    const desired = loadDesiredTopics({ files: ['strimzi/*.yaml'] }, FIXTURE);
    const payments = desired.topics.find((topic) => topic.name === 'payments.v1');
    expect(payments).toMatchObject({ partitions: 3, replicationFactor: 1, format: 'kafka.strimzi.io/v1beta2', config: { 'retention.ms': '86400000', 'compression.type': 'zstd' } });
    expect(desired.topics.find((topic) => topic.name === 'payments.dlq')).toMatchObject({ format: 'kafka.strimzi.io/v1', partitions: 1 });
    expect(desired.topics.find((topic) => topic.name === 'payments-v1')).toBeUndefined();
    // A file may mix a topics list and KafkaTopic resources; a resource without spec takes the defaults.
    expect(desired.topics.find((topic) => topic.name === 'shipping.events')).toMatchObject({ partitions: undefined, replicationFactor: undefined, config: {} });
    expect(desired.topics.find((topic) => topic.name === 'shipping.v1')).toMatchObject({ format: 'synchook' });
  });

  it('leaves a KafkaTopic annotated strimzi.io/managed: "false" alone and says so', () => {
    const desired = loadDesiredTopics({ files: ['strimzi/topics.yaml'] }, FIXTURE);
    expect(desired.topics.map((topic) => topic.name)).not.toContain('legacy-topic');
    expect(desired.unmanaged).toEqual([{ name: 'legacy-topic', source: 'strimzi/topics.yaml:32:1' }]);
    expect(desired.warnings.join('\n')).toContain('legacy-topic');
  });

  it('refuses a topic declared twice, naming both places', () => {
    const message = loadError({
      'a.yaml': 'topics:\n  - name: orders.v1\n',
      'b.yaml': 'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: orders-v1\nspec:\n  topicName: orders.v1\n',
    });
    expect(message).toContain('topic orders.v1 is declared twice');
    expect(message).toContain('a.yaml:2:5');
    expect(message).toContain('b.yaml:1:1');
  });

  it('refuses a glob that matches nothing and a path that does not exist', () => {
    expect(loadError({ 'a.yaml': 'topics: []\n' }, ['topics/*.yaml'])).toMatch(/topics\.files\[0\]: the pattern topics\/\*\.yaml matches no file/);
    expect(loadError({ 'a.yaml': 'topics: []\n' }, ['a.yaml', 'missing.yaml'])).toMatch(/topics\.files\[1\]: missing\.yaml does not exist/);
  });

  it('names file, line and field for a malformed declaration', () => {
    expect(loadError({ 't.yaml': 'topics:\n  - name: a\n    partitions: 0\n' })).toMatch(/t\.yaml:3:17: topics\[0\]\.partitions: must be at least 1/);
    expect(loadError({ 't.yaml': 'topics:\n  - name: a\n    partitions: -3\n' })).toContain('topics[0].partitions: must be at least 1');
    expect(loadError({ 't.yaml': 'topics:\n  - name: a\n    partitions: 1.5\n' })).toContain('expected a whole number of partitions');
    expect(loadError({ 't.yaml': 'topics:\n  - name: a\n    replicas: 3\n' })).toMatch(/t\.yaml:3:5: unknown key topics\[0\]\.replicas/);
    expect(loadError({ 't.yaml': 'topics:\n  - name: 123\n' })).toContain('quote a name that looks like a number');
    expect(loadError({ 't.yaml': 'topics:\n  - name: a\n    config:\n      retention.ms:\n' })).toMatch(/t\.yaml:4:20: topic a: config retention\.ms is empty/);
    expect(loadError({ 't.yaml': 'topics:\n  - name: a\n    config:\n      retention.bytes: 9223372036854775807\n' })).toContain('quote it');
    expect(loadError({ 't.yaml': 'topics:\n  - name: a\n  bad: [\n' })).toMatch(/t\.yaml:\d+:\d+: YAML syntax error/);
    expect(loadError({ 't.yaml': '- name: a\n' })).toContain('expected a mapping with a "topics:" list');
    expect(loadError({ 't.yaml': 'topicz:\n  - name: a\n' })).toContain('expected a "topics:" list');
  });

  it('accepts a quoted long value exactly', () => {
    const dir = dirWith({ 't.yaml': 'topics:\n  - name: a\n    config:\n      retention.bytes: "9223372036854775807"\n' });
    expect(loadDesiredTopics({ files: ['t.yaml'] }, dir).topics[0]!.config['retention.bytes']).toBe('9223372036854775807');
  });

  it('refuses Strimzi mistakes: an old apiVersion, an unknown spec key, a missing name', () => {
    expect(loadError({ 's.yaml': 'apiVersion: kafka.strimzi.io/v1beta1\nkind: KafkaTopic\nmetadata: { name: a }\n' })).toMatch(/s\.yaml:1:13: KafkaTopic apiVersion kafka\.strimzi\.io\/v1beta1 is not supported/);
    expect(loadError({ 's.yaml': 'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata: { name: a }\nspec:\n  replicationFactor: 3\n' })).toMatch(/s\.yaml:5:3: unknown key spec\.replicationFactor/);
    expect(loadError({ 's.yaml': 'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata: {}\n' })).toContain('metadata.name');
    expect(loadError({ 's.yaml': 'apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: { name: a }\nspec:\n  partitions: 0\n' })).toContain('spec.partitions: must be at least 1');
  });

  it('skips empty documents and files', () => {
    const dir = dirWith({ 'e.yaml': '', 'c.yaml': '# only a comment\n---\ntopics:\n  - name: a\n' });
    expect(loadDesiredTopics({ files: ['*.yaml'] }, dir).topics.map((topic) => topic.name)).toEqual(['a']);
  });
});

describe('synchook validate (offline) for topics', () => {
  it('counts the declarations and reports violations without a cluster', async () => {
    const { topicsTask } = await import('../../../src/tasks/topics/index.js');
    const { TopicsSection } = await import('../../../src/tasks/topics/config.js');
    const { createLogger } = await import('../../../src/log.js');
    const section = TopicsSection.parse({ files: ['topics/*.yaml', 'strimzi/*.yaml'], managedPrefix: ['orders.', 'payments.'] });
    const report = await topicsTask.validate!({ config: { environment: 'default', timeout: 600_000 } as never, configDir: FIXTURE, log: createLogger({ level: 'silent' }) }, section);
    expect(report.checked).toEqual(['6 topics in 3 files (3 from Strimzi KafkaTopic resources)']);
    expect(report.violations.map((violation) => `${violation.resource} ${violation.rule}`)).toEqual(['topic shipping.events outside-managed-scope', 'topic shipping.v1 outside-managed-scope']);
    expect(report.warnings.join('\n')).toContain('legacy-topic');
  });
});
