import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configureInput, decodeUtf8, readInputText, resolveInputPath } from '../../../src/config/input.js';
import { loadConfig, parseConfig } from '../../../src/synchook-config.js';
import { parseYamlDocuments, parseYamlFile } from '../../../src/config/yaml.js';
import { ConfigError } from '../../../src/errors.js';
import { loadDeclarations } from '../../../src/tasks/schemas/declarations.js';
import { folderSource } from '../../../src/tasks/schemas/sources.js';
import { loadDesiredTopics } from '../../../src/tasks/shared/topic-declarations/load.js';

function workspace(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-input-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const topicFile = 'topics:\n  - name: orders.v1\n';

describe('declaration paths stay inside the config folder', () => {
  it('refuses ../, an absolute path and a glob into /etc, naming the field', () => {
    const root = workspace({ 'env/synchook.yaml': '', 'env/topics/a.yaml': topicFile, 'outside.yaml': topicFile });
    const dir = join(root, 'env');
    expect(configError(() => loadDesiredTopics({ files: ['../outside.yaml'] }, dir))).toMatch(/^topics\.files\[0\]: \.\.\/outside\.yaml lies outside the config folder .*input\.allowedRoots/);
    expect(configError(() => loadDesiredTopics({ files: ['topics/a.yaml', join(root, 'outside.yaml')] }, dir))).toMatch(/^topics\.files\[1\]: .*outside\.yaml lies outside/);
    expect(configError(() => loadDesiredTopics({ files: ['/etc/*'] }, dir))).toMatch(/^topics\.files\[0\] \(pattern \/etc\/\*\): \/etc lies outside/);
    expect(configError(() => loadDesiredTopics({ files: ['../*.yaml'] }, dir))).toMatch(/^topics\.files\[0\] \(pattern \.\.\/\*\.yaml\)/);
  });

  it('follows links: a link to a file outside is refused, also when a glob finds it', () => {
    const root = workspace({ 'env/topics/a.yaml': topicFile, 'secret.yaml': topicFile });
    const dir = join(root, 'env');
    symlinkSync(join(root, 'secret.yaml'), join(dir, 'topics', 'link.yaml'));
    expect(configError(() => loadDesiredTopics({ files: ['topics/link.yaml'] }, dir))).toMatch(/topics\.files\[0\]: topics\/link\.yaml \(it resolves to .*secret\.yaml\) lies outside/);
    expect(configError(() => loadDesiredTopics({ files: ['topics/*.yaml'] }, dir))).toMatch(/topics\.files\[0\]: .*link\.yaml \(it resolves to .*secret\.yaml\) lies outside/);
  });

  it('refuses a schema file that is a link to a private key outside the folder', () => {
    const root = workspace({ 'env/schemas/subjects.yaml': 'subjects:\n  - subject: orders-value\n    file: order.avsc\n', 'id_rsa': '-----BEGIN PRIVATE KEY-----\n' });
    symlinkSync(join(root, 'id_rsa'), join(root, 'env', 'schemas', 'order.avsc'));
    const source = folderSource(join(root, 'env'));
    const declarations = loadDeclarations(source, ['schemas/subjects.yaml'], undefined);
    expect(configError(() => source.read(declarations[0]!.file, 'schemas/subjects.yaml:2:5: the file of subject orders-value'))).toMatch(/^schemas\/subjects\.yaml:2:5: the file of subject orders-value: schemas\/order\.avsc \(it resolves to .*id_rsa\) lies outside/);
  });

  it('reads from a folder named in input.allowedRoots, and only there', () => {
    const root = workspace({ 'env/synchook.yaml': 'input:\n  allowedRoots: [../shared]\n', 'shared/t.yaml': topicFile, 'other/t.yaml': topicFile });
    loadConfig(join(root, 'env', 'synchook.yaml'), {});
    expect(loadDesiredTopics({ files: ['../shared/t.yaml'] }, join(root, 'env')).topics.map((topic) => topic.name)).toEqual(['orders.v1']);
    expect(configError(() => loadDesiredTopics({ files: ['../other/t.yaml'] }, join(root, 'env')))).toMatch(/lies outside the config folder .* and input\.allowedRoots \(.*shared\)/);
  });

  it('refuses terraform.planJson and a path of any field outside', () => {
    const root = workspace({ 'env/synchook.yaml': '' });
    expect(configError(() => resolveInputPath(join(root, 'env'), '/etc/passwd', 'terraform.planJson'))).toMatch(/^terraform\.planJson: \/etc\/passwd lies outside/);
  });
});

describe('reserved keys', () => {
  it('refuses __proto__ in topics: and at the top level of the config, naming the place', () => {
    expect(configError(() => parseConfig('topics:\n  files: [t.yaml]\n  __proto__: { prune: true }\n', { file: '/tmp/x/synchook.yaml', displayName: 'synchook.yaml', env: {} }))).toMatch(
      /^synchook\.yaml:3:3: the key topics\.__proto__ is not allowed/,
    );
    expect(configError(() => parseConfig('__proto__:\n  smoke: { topic: x }\n', { file: '/tmp/x/synchook.yaml', displayName: 'synchook.yaml', env: {} }))).toMatch(/^synchook\.yaml:1:1: the key __proto__ is not allowed/);
    expect(({} as Record<string, unknown>).prune).toBeUndefined();
  });

  it('refuses constructor and prototype in declaration files', () => {
    expect(configError(() => parseYamlDocuments('topics/a.yaml', 'topics:\n  - name: a\n    config: { constructor: 1 }\n'))).toMatch(/^topics\/a\.yaml:3:15: the key topics\[0\]\.config\.constructor is not allowed/);
    expect(configError(() => parseYamlFile('schemas/subjects.yaml', 'prototype: x\n'))).toMatch(/prototype is not allowed/);
  });
});

describe('${...} in declaration files', () => {
  it('is refused in a topic file and a subjects file, saying where interpolation works', () => {
    const dir = workspace({ 'topics/a.yaml': 'topics:\n  - name: orders.${ENV}\n', 'schemas/subjects.yaml': 'subjects:\n  - topic: x.${X}\n    value: a.avsc\n' });
    expect(configError(() => loadDesiredTopics({ files: ['topics/a.yaml'] }, dir))).toMatch(/^topics\/a\.yaml:2:11: topics\[0\]\.name: "\$\{ENV\}" is not interpolated here; environment variables are replaced only in synchook\.yaml/);
    expect(configError(() => loadDeclarations(folderSource(dir), ['schemas/subjects.yaml'], undefined))).toMatch(/^schemas\/subjects\.yaml:2:12: subjects\[0\]\.topic: "\$\{X\}" is not interpolated here/);
  });
});

describe('durations', () => {
  it('refuses a duration a timer cannot hold, naming the key and the maximum', () => {
    expect(configError(() => parseConfig('timeout: 600h\n', { file: '/tmp/x/synchook.yaml', displayName: 'synchook.yaml', env: {} }))).toMatch(/^synchook\.yaml:1:10: timeout: is longer than the maximum 596h/);
    expect(parseConfig('timeout: 596h\n', { file: '/tmp/x/synchook.yaml', displayName: 'synchook.yaml', env: {} }).config.timeout).toBe(596 * 3_600_000);
  });
});

describe('read limits and encodings', () => {
  it('refuses a file over input.maxFileSize and a run over input.maxTotalSize, naming the file and the limit', () => {
    const big = `topics:\n${'#'.repeat(300 * 1024)}\n`;
    const dir = workspace({ 'synchook.yaml': 'input: { maxFileSize: 256KiB, maxTotalSize: 1MiB }\n', 'topics/big.yaml': big, ...Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`topics/t${n}.yaml`, `topics: []\n${'#'.repeat(210 * 1024)}\n`])) });
    loadConfig(join(dir, 'synchook.yaml'), {});
    expect(configError(() => loadDesiredTopics({ files: ['topics/big.yaml'] }, dir))).toMatch(/^topics\/big\.yaml: the file is 300 KiB; files over 256 KiB are refused \(input\.maxFileSize\)/);
    expect(configError(() => loadDesiredTopics({ files: ['topics/t*.yaml'] }, dir))).toMatch(/^topics\/t5\.yaml: reading it would bring the input of this run to [\d.]+ MiB over 6 files; the total is limited to 1 MiB \(input\.maxTotalSize\)/);
  });

  it('counts a file read twice once', () => {
    const dir = workspace({ 'a.yaml': 'x'.repeat(600) });
    configureInput(dir, { limits: { maxTotalBytes: 1000 } });
    for (let round = 0; round < 3; round++) expect(readInputText(dir, join(dir, 'a.yaml'), 'a.yaml')).toHaveLength(600);
  });

  it('says a UTF-16 or Latin-1 file is not UTF-8', () => {
    expect(configError(() => decodeUtf8(Buffer.from('\ufefftopics: []\n', 'utf16le'), 'topics/a.yaml'))).toBe('topics/a.yaml: the file is not UTF-8 (it looks like UTF-16). Save it as UTF-8.');
    expect(configError(() => decodeUtf8(Buffer.from('name: caf\xe9\n', 'latin1'), 'topics/a.yaml'))).toMatch(/^topics\/a\.yaml: the file is not UTF-8 \(an invalid byte on line 1\)\. Save it as UTF-8\./);
  });

  it('says --config names a directory', () => {
    const dir = workspace({ 'synchook.yaml': 'timeout: 1m\n' });
    expect(configError(() => loadConfig(dir, {}))).toMatch(/is a directory; --config names the config file itself/);
  });
});

describe('YAML documents', () => {
  it('ignores empty documents: a trailing ---, a comment-only document', () => {
    expect(parseYamlDocuments('t.yaml', 'topics: []\n---\n').map((doc) => doc.value)).toEqual([{ topics: [] }]);
    expect(parseYamlDocuments('t.yaml', 'topics: []\n---\n# nothing here\n---\ntopics: [a]\n').map((doc) => doc.value)).toEqual([{ topics: [] }, { topics: ['a'] }]);
  });

  it('says "too many aliases" with the line of an alias bomb', () => {
    const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let level = 1; level <= 9; level++) lines.push(`l${level}: &l${level} [${Array.from({ length: 10 }, () => `*l${level - 1}`).join(', ')}]`);
    expect(configError(() => parseYamlDocuments('t.yaml', `${lines.join('\n')}\n`))).toMatch(/^t\.yaml:2:\d+: YAML error: too many aliases .*at most 100 nodes/);
  });

  it('hints at quoting ${...} inside [...]', () => {
    expect(configError(() => parseYamlFile('synchook.yaml', 'cluster:\n  brokers: [${KAFKA_BROKERS}]\n'))).toMatch(/^synchook\.yaml:2:\d+: YAML syntax error: .*Quote a \$\{\.\.\.\} reference inside \[\.\.\.\] or \{\.\.\.\}: \["\$\{KAFKA_BROKERS\}"\]/);
  });
});
