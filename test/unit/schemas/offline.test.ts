import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { loadSchemaSet } from '../../../src/tasks/schemas/load.js';
import { compareSchemaSets, validateSchemas } from '../../../src/tasks/schemas/offline.js';
import { folderSource } from '../../../src/tasks/schemas/sources.js';
import { writeTree } from './helpers.js';

const section = { files: ['subjects.yaml'], normalize: true, compatibility: undefined };
const subjects = [
  'subjects:',
  '  - { subject: customers-value, file: customer.avsc, compatibility: FULL }',
  '  - { subject: orders-value, file: order.json }',
  '  - { subject: events-value, file: event.proto }',
].join('\n');
const customer = (fields: unknown[]) => ({ type: 'record', name: 'Customer', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, ...fields] });
const order = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, additionalProperties: false, ...extra });
const event = (body: string) => `syntax = "proto3";\nmessage Event { ${body} }\n`;

async function compare(current: Record<string, string | object>, baseline: Record<string, string | object>) {
  const set = await loadSchemaSet(folderSource(writeTree(current)), section);
  const base = writeTree(baseline);
  return compareSchemaSets(set, 'origin/main', () => loadSchemaSet(folderSource(base), section, { shownSuffix: ' (at origin/main)' }));
}

describe('validate --against a baseline', () => {
  const baseline = { 'subjects.yaml': subjects, 'customer.avsc': customer([]), 'order.json': order({ id: { type: 'string' } }), 'event.proto': event('string id = 1;') };

  it('passes compatible changes and formatting-only changes', async () => {
    const result = await compare(
      { ...baseline, 'customer.avsc': JSON.stringify(customer([{ name: 'email', type: ['null', 'string'], default: null }]), null, 8), 'order.json': order({ id: { type: 'string' }, note: { type: 'string' } }) },
      baseline,
    );
    expect(result.violations).toEqual([]);
    expect(result.checked[0]).toBe('against origin/main: 2 changed (2 compatible, 0 incompatible), 0 new, 1 unchanged');
    expect(result.checked[1]).toContain('1 changed subject has no configured level; checked under BACKWARD');
  });

  it('rejects an incompatible change with the field and the rule', async () => {
    const result = await compare({ ...baseline, 'customer.avsc': customer([{ name: 'email', type: 'string' }]) }, baseline);
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0]).toMatchObject({ resource: 'subject customers-value', file: 'customer.avsc', rule: 'incompatible-schema' });
    expect(result.violations[0]!.message).toContain('incompatible under FULL with its version at origin/main');
    expect(result.violations[0]!.message).toContain('field email of record com.acme.Customer is missing in the writer');
    expect(result.violations[0]!.message).toContain('READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1');
  });

  it('rejects a JSON Schema property removed from a closed model', async () => {
    const result = await compare({ ...baseline, 'order.json': order({}) }, baseline);
    expect(result.violations[0]!.message).toContain('property id of the writer is not declared by the reader');
  });

  it('leaves Protobuf changes to the registry, saying so', async () => {
    const result = await compare({ ...baseline, 'event.proto': event('string id = 1; int64 at = 2;') }, baseline);
    expect(result.violations).toEqual([]);
    expect(result.warnings.join('\n')).toContain('subject events-value: compatibility under BACKWARD with origin/main is left to the registry');
  });

  it('counts new subjects and notes removed ones', async () => {
    const result = await compare(
      { 'subjects.yaml': 'subjects:\n  - { subject: customers-value, file: customer.avsc, compatibility: FULL }\n  - { subject: fresh-value, file: fresh.avsc }\n', 'customer.avsc': customer([]), 'fresh.avsc': customer([]) },
      baseline,
    );
    expect(result.checked[0]).toContain('1 new, 1 unchanged');
    expect(result.warnings.join('\n')).toContain('subject orders-value is declared at origin/main but no longer here');
  });

  it('treats a baseline without the subjects file as "everything is new"', async () => {
    const result = await compare(baseline, { 'README.md': 'nothing yet' });
    expect(result.violations).toEqual([]);
    expect(result.warnings[0]).toContain('the baseline origin/main could not be read, so every subject counts as new');
  });
});

describe('validate --against under a transitive level', () => {
  const record = (fields: unknown[]) => ({ type: 'record', name: 'Account', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, ...fields] });
  const v1 = record([]);
  const v2 = record([{ name: 'plan', type: 'string', default: 'free' }]);
  // v3 reads v2's data (plan is written there) but not v1's (plan is missing and has no default).
  const v3 = record([{ name: 'plan', type: 'string' }]);
  const transitive = { files: ['schemas/subjects.yaml'], normalize: true, compatibility: 'BACKWARD_TRANSITIVE' as const };
  const subjectsFile = 'subjects:\n  - { subject: accounts-value, file: account.avsc }\n';

  /** A git repository with the config in cfg/ and one commit per schema version; HEAD is tagged `released`. */
  function repository(versions: object[]): string {
    const root = writeTree({ 'cfg/schemas/subjects.yaml': subjectsFile });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    versions.forEach((version, index) => {
      writeTree({ 'cfg/schemas/account.avsc': version }, root);
      git('add', '.');
      git('commit', '-q', '-m', `account v${index + 1}`);
    });
    git('tag', 'released');
    return join(root, 'cfg');
  }

  const validate = (configDir: string, against: string) =>
    validateSchemas({ config: {} as never, configDir, log: createLogger({ level: 'silent' }), against }, transitive as never);

  it('checks every version in the git history of the ref, not only the one at the ref', async () => {
    const dir = repository([v1, v2]);
    writeTree({ 'schemas/account.avsc': v3 }, dir);
    const report = await validate(dir, 'released');
    expect(report.violations).toHaveLength(1);
    expect(report.violations[0]!.message).toMatch(/incompatible under BACKWARD_TRANSITIVE with its 2 versions in the history of released: the new schema cannot read data written with the version of [0-9a-f]{12} \("account v1"\): field plan of record com\.acme\.Account is missing/);
    expect(report.violations[0]!.message).not.toContain('account v2');
  });

  it('follows a renamed schema file through its history', async () => {
    const dir = repository([v1]);
    const root = join(dir, '..');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, stdio: 'pipe' });
    git('mv', 'cfg/schemas/account.avsc', 'cfg/schemas/accounts.avsc');
    writeTree({ 'cfg/schemas/accounts.avsc': v2, 'cfg/schemas/subjects.yaml': subjectsFile.replace('account.avsc', 'accounts.avsc') }, root);
    git('add', '.');
    git('commit', '-q', '-m', 'rename');
    writeTree({ 'schemas/accounts.avsc': v3 }, dir);
    const report = await validate(dir, 'HEAD');
    expect(report.violations[0]?.message).toContain('("account v1")');
  });

  it('passes when every earlier version can be read', async () => {
    const dir = repository([v1, v2]);
    writeTree({ 'schemas/account.avsc': record([{ name: 'plan', type: 'string', default: 'free' }, { name: 'seats', type: 'int', default: 1 }]) }, dir);
    const report = await validate(dir, 'released');
    expect(report.violations).toEqual([]);
    expect(report.checked).toContain('against released: 1 changed (1 compatible, 0 incompatible), 0 new, 0 unchanged');
  });

  it('says plainly that a folder baseline holds one version only', async () => {
    const dir = writeTree({ 'schemas/subjects.yaml': subjectsFile, 'schemas/account.avsc': v3 });
    const baseline = writeTree({ 'schemas/subjects.yaml': subjectsFile, 'schemas/account.avsc': v2 });
    const report = await validate(dir, baseline);
    expect(report.violations).toEqual([]);
    expect(report.warnings.join('\n')).toContain(`subject accounts-value has a transitive level, but ${baseline} holds only one version of each, so only that version was checked, not every earlier one`);
  });
});

describe('validate --against with a doc-only Avro change', () => {
  it('counts it as unchanged and says that docs are not registered', async () => {
    const base = { 'subjects.yaml': 'subjects:\n  - { subject: customers-value, file: customer.avsc }\n', 'customer.avsc': customer([]) };
    const result = await compare({ ...base, 'customer.avsc': { ...customer([]), doc: 'A customer of the shop' } }, base);
    expect(result.checked[0]).toBe('against origin/main: 0 changed (0 compatible, 0 incompatible), 0 new, 1 unchanged (1 with only docs changed)');
    expect(result.warnings.join('\n')).toContain('only docs changed in subject customers-value; docs are not part of the normalized form, so no new version is registered');
  });
});
