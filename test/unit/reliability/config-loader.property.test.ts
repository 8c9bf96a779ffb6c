import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type LoadedSynchookConfig as LoadedConfig } from '../../../src/synchook-config.js';
import { ConfigError } from '../../../src/errors.js';
import { loadDesiredTopics } from '../../../src/tasks/topics/index.js';
import { TopicsSection } from '../../../src/tasks/topics/config.js';

/**
 * Whatever text a config file holds, loading it gives a config or a ConfigError whose message
 * names the file: never another exception (a crash the user cannot act on).
 */
/** Text stitched from YAML's structural pieces (anchors and aliases included) and some words. */
function yamlish(words: string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...words, 'topics:', '\n', '  ', '- ', ': ', '[', ']', '{', '}', '"', "'", '&a', '*a', '*b', '!!str', '!!binary', '---', '...', '#', '|', '>', '${A}', '9092', ',', '<<: '), { maxLength: 40 })
    .map((parts) => parts.join(''));
}

const dir = mkdtempSync(join(tmpdir(), 'synchook-config-property-'));
const FILE = join(dir, 'synchook.yaml');
writeFileSync(join(dir, 'password'), 's3cret-from-file\n');
writeFileSync(join(dir, 'empty'), '');

function load(text: string, env: Record<string, string> = {}): { loaded?: LoadedConfig; error?: unknown } {
  try {
    return { loaded: parseConfig(text, { file: FILE, displayName: 'synchook.yaml', env }) };
  } catch (error) {
    return { error };
  }
}

function expectCleanOutcome(text: string, env: Record<string, string> = {}): void {
  const { loaded, error } = load(text, env);
  if (error === undefined) {
    expect(loaded?.config).toBeTypeOf('object');
    return;
  }
  expect(error, `not a ConfigError for:\n${text}\n${String((error as Error)?.stack ?? error)}`).toBeInstanceOf(ConfigError);
  const message = (error as ConfigError).message;
  expect(message.length).toBeGreaterThan(10);
  expect(message, `the message does not name the file:\n${message}`).toContain('synchook.yaml');
  // "received undefined" is zod's wording for a missing key; anything else undefined is a slip.
  expect(message.replace(/received undefined/g, '')).not.toMatch(/\[object Object\]|\bundefined\b|\bNaN\b/);
}

// Keys the config knows, so that generated documents reach the schema and not only "unknown key".
const SECTION_KEYS = ['cluster', 'registry', 'topics', 'acls', 'schemas', 'terraform', 'smoke', 'health', 'report', 'timeout', 'environment'];
const INNER_KEYS = ['brokers', 'retries', 'tls', 'sasl', 'url', 'basicAuth', 'files', 'defaults', 'managedPrefix', 'delete', 'prune', 'timeout', 'enabled', 'username', 'password', 'passwordFile', 'mechanism', 'caFile', 'compatibility', 'topic', 'messages', 'planJson', 'github'];
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('30s', '0ms', '10', '-1s', '127.0.0.1:9092', 'http://127.0.0.1:8081', 'scram-sha-512', 'password', 'empty', '${HOME}', '${UNSET_VAR}', '${X:-5}', '$${literal}', '${', 'managed', 'forbid', '*.yaml', 'BACKWARD'),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...INNER_KEYS), tie('node'), { maxKeys: 4 })),
})).node;
const document = fc.dictionary(fc.constantFrom(...SECTION_KEYS, 'unknown'), value, { maxKeys: 5 });

describe('config loader: any input gives a config or a clean ConfigError', () => {
  it('arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => expectCleanOutcome(text)), { numRuns: 400 });
  });

  it('text made of YAML punctuation', () => {
    fc.assert(fc.property(yamlish(['cluster:', 'brokers']), (text) => expectCleanOutcome(text)), { numRuns: 400 });
  });

  it('YAML documents with the known sections and random values', () => {
    fc.assert(
      fc.property(document, fc.dictionary(fc.constantFrom('HOME', 'X', 'BROKERS'), fc.string({ maxLength: 10 })), (doc, env) => expectCleanOutcome(stringify(doc), env)),
      { numRuns: 600 },
    );
  });

  it('a valid config with one value replaced by anything', () => {
    const base = {
      cluster: { brokers: ['127.0.0.1:9092'], retries: 2, sasl: { mechanism: 'scram-sha-512', username: 'synchook', passwordFile: 'password' } },
      registry: { url: 'http://127.0.0.1:8081', basicAuth: { username: 'synchook', password: '${REGISTRY_PASSWORD}' } },
      topics: { files: ['topics/*.yaml'], managedPrefix: 'orders.', delete: 'forbid' },
      timeout: '5m',
    };
    const paths = [
      ['cluster', 'brokers'], ['cluster', 'retries'], ['cluster', 'sasl', 'mechanism'], ['cluster', 'sasl', 'passwordFile'], ['cluster', 'sasl'],
      ['registry', 'url'], ['registry', 'basicAuth', 'password'], ['topics', 'files'], ['topics', 'managedPrefix'], ['topics', 'delete'], ['timeout'], ['topics', 'prune'],
    ];
    expectCleanOutcome(stringify(base), { REGISTRY_PASSWORD: 'pw-1234' });
    expect(load(stringify(base), { REGISTRY_PASSWORD: 'pw-1234' }).error).toBeUndefined();
    fc.assert(
      fc.property(fc.constantFrom(...paths), value, fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), (path, replacement, password) => {
        const copy = structuredClone(base) as Record<string, unknown>;
        let node = copy;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
        node[path[path.length - 1]!] = replacement;
        expectCleanOutcome(stringify(copy), password === undefined ? {} : { REGISTRY_PASSWORD: password });
      }),
      { numRuns: 600 },
    );
  });
});

describe('topic file loader: any file gives topics or a clean ConfigError', () => {
  const topicsDir = mkdtempSync(join(tmpdir(), 'synchook-topics-property-'));
  const section = TopicsSection.parse({ files: ['topics.yaml'] });

  function expectTopicsOutcome(text: string): void {
    writeFileSync(join(topicsDir, 'topics.yaml'), text);
    try {
      const desired = loadDesiredTopics(section, topicsDir);
      for (const topic of desired.topics) {
        expect(typeof topic.name).toBe('string');
        for (const configValue of Object.values(topic.config)) expect(typeof configValue).toBe('string');
      }
    } catch (error) {
      expect(error, `not a ConfigError for:\n${text}\n${String((error as Error)?.stack ?? error)}`).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('topics.yaml');
    }
  }

  const topicEntry = fc.dictionary(fc.constantFrom('name', 'partitions', 'replicationFactor', 'config', 'unknown'), value, { maxKeys: 4 });
  const strimzi = fc.record({
    apiVersion: fc.constantFrom('kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v1', 'kafka.strimzi.io/v1alpha1', 'v1'),
    kind: fc.constantFrom('KafkaTopic', 'KafkaUser', 'Deployment'),
    metadata: fc.dictionary(fc.constantFrom('name', 'labels', 'annotations'), value, { maxKeys: 3 }),
    spec: fc.dictionary(fc.constantFrom('topicName', 'partitions', 'replicas', 'config', 'replicationFactor'), value, { maxKeys: 4 }),
  });

  it('arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => expectTopicsOutcome(text)), { numRuns: 300 });
  });

  it('text made of YAML punctuation', () => {
    fc.assert(fc.property(yamlish(['name:', 'partitions:', 'config:', 'apiVersion: kafka.strimzi.io/v1', 'kind: KafkaTopic', 'spec:']), (text) => expectTopicsOutcome(text)), { numRuns: 400 });
  });

  it('synchook topic lists with random entries', () => {
    fc.assert(
      fc.property(fc.record({ topics: fc.oneof(fc.array(topicEntry, { maxLength: 4 }), value), defaults: fc.option(value, { nil: undefined }) }, { requiredKeys: ['topics'] }), (doc) =>
        expectTopicsOutcome(stringify(doc)),
      ),
      { numRuns: 500 },
    );
  });

  it('Strimzi KafkaTopic resources with random specs, several per file', () => {
    fc.assert(fc.property(fc.array(strimzi, { minLength: 1, maxLength: 3 }), (docs) => expectTopicsOutcome(docs.map((doc) => stringify(doc)).join('---\n'))), { numRuns: 400 });
  });
});
