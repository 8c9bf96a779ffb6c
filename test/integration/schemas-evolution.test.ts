/**
 * Evolutions that the registry and synchook's plan must agree on: subjects with references getting
 * a new version, doc-only Avro changes, and transitive levels checked offline against a git
 * history. Real registry, real CLI (dist/cli.js), real git.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';

const RUN = `se${randomBytes(3).toString('hex')}`;

function workspace(subjects: string, files: Record<string, string | object>, options: { normalize?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-schemas-evo-'));
  const normalize = options.normalize === false ? '  normalize: false\n' : '';
  writeFileSync(join(dir, 'synchook.yaml'), `registry:\n  url: ${harness().registry.url}\nschemas:\n  files: [schemas/subjects.yaml]\n  compatibility: BACKWARD\n${normalize}`);
  write(dir, { 'schemas/subjects.yaml': subjects, ...files });
  return dir;
}

function write(dir: string, files: Record<string, string | object>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

const cli = (dir: string, ...args: string[]) => runCli([...args, '-c', join(dir, 'synchook.yaml')], { cwd: dir });

async function registry<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${harness().registry.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

const versionsOf = async (subject: string) => {
  const response = await registry<number[]>(`/subjects/${subject}/versions`);
  return response.status === 404 ? [] : response.body;
};

const record = (name: string, fields: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'record', name, namespace: 'shop', ...extra, fields });

describe('a subject with references gets new versions', () => {
  it('Avro: the demo order (referencing shop.Customer) evolves compatibly, and an incompatible change is refused with the reason', async () => {
    const p = `${RUN}-avro`;
    const subjects = [
      'subjects:',
      `  - { subject: ${p}-customers-value, file: customer.avsc }`,
      `  - { subject: ${p}-orders-value, file: order.avsc, references: [{ name: shop.Customer, subject: ${p}-customers-value }] }`,
    ].join('\n');
    const order = (extra: unknown[]) => record('Order', [{ name: 'id', type: 'string' }, { name: 'customer', type: 'shop.Customer' }, { name: 'amountCents', type: 'long' }, ...extra]);
    const dir = workspace(subjects, { 'schemas/customer.avsc': record('Customer', [{ name: 'id', type: 'string' }]), 'schemas/order.avsc': order([]) });
    expect((await cli(dir, 'presync')).code).toBe(0);

    write(dir, { 'schemas/order.avsc': order([{ name: 'currency', type: 'string', default: 'EUR' }]) });
    const plan = await cli(dir, 'plan');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`~ subject ${p}-orders-value: AVRO version 1 → new version from schemas/order.avsc`);
    expect(plan.stdout).toContain("compatibility under BACKWARD checked offline (the registry's compatibility check does not resolve references)");
    const applied = await cli(dir, 'presync');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await versionsOf(`${p}-orders-value`)).toEqual([1, 2]);
    expect((await registry<{ references: unknown[] }>(`/subjects/${p}-orders-value/versions/latest`)).body.references).toEqual([{ name: 'shop.Customer', subject: `${p}-customers-value`, version: 1 }]);

    write(dir, { 'schemas/order.avsc': order([{ name: 'currency', type: 'string', default: 'EUR' }, { name: 'vat', type: 'int' }]) });
    const refused = await cli(dir, 'presync');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`! subject ${p}-orders-value: the new schema in schemas/order.avsc is incompatible under BACKWARD`);
    expect(refused.stdout).toContain('field vat of record shop.Order is missing in the writer');
    expect(await versionsOf(`${p}-orders-value`)).toEqual([1, 2]);
  });

  it('JSON Schema: a subject with a $ref to another subject evolves', async () => {
    const p = `${RUN}-json`;
    const subjects = [
      'subjects:',
      `  - { subject: ${p}-address-value, file: address.json, type: JSON }`,
      `  - { subject: ${p}-person-value, file: person.json, type: JSON, references: [{ name: address.json, subject: ${p}-address-value }] }`,
    ].join('\n');
    const draft = 'http://json-schema.org/draft-07/schema#';
    const person = (properties: Record<string, unknown>) => ({ $schema: draft, type: 'object', properties: { address: { $ref: 'address.json' }, ...properties }, additionalProperties: false });
    const dir = workspace(subjects, {
      'schemas/address.json': { $schema: draft, type: 'object', properties: { street: { type: 'string' } } },
      'schemas/person.json': person({ name: { type: 'string' } }),
    });
    expect((await cli(dir, 'presync')).code).toBe(0);
    // Adding an optional property to a closed model is backward compatible.
    write(dir, { 'schemas/person.json': person({ name: { type: 'string' }, age: { type: 'integer' } }) });
    const applied = await cli(dir, 'presync');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await versionsOf(`${p}-person-value`)).toEqual([1, 2]);
  });

  it('Protobuf: a subject importing another evolves (the registry decides)', async () => {
    const p = `${RUN}-proto`;
    const subjects = [
      'subjects:',
      `  - { subject: ${p}-money-value, file: money.proto, type: PROTOBUF }`,
      `  - { subject: ${p}-payment-value, file: payment.proto, type: PROTOBUF, references: [{ name: money.proto, subject: ${p}-money-value }] }`,
    ].join('\n');
    const payment = (extra: string) => `syntax = "proto3";\npackage acme;\nimport "money.proto";\nmessage Payment { string id = 1; acme.Money amount = 2;${extra} }\n`;
    const dir = workspace(subjects, { 'schemas/money.proto': 'syntax = "proto3";\npackage acme;\nmessage Money { int64 cents = 1; }\n', 'schemas/payment.proto': payment('') });
    expect((await cli(dir, 'presync')).code).toBe(0);
    write(dir, { 'schemas/payment.proto': payment(' string note = 3;') });
    const applied = await cli(dir, 'presync');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await versionsOf(`${p}-payment-value`)).toEqual([1, 2]);
  });
});

describe('a doc-only Avro change', () => {
  const documented = record('Customer', [{ name: 'id', type: 'string', doc: 'The customer number' }], { doc: 'A customer of the shop' });

  it('is no change with normalize (the default): plan, presync and validate all say so, and the registry keeps version 1', async () => {
    const p = `${RUN}-doc`;
    const subjects = `subjects:\n  - { subject: ${p}-customers-value, file: customer.avsc }\n`;
    const dir = workspace(subjects, { 'schemas/customer.avsc': record('Customer', [{ name: 'id', type: 'string' }]) });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'customer v1');
    expect((await cli(dir, 'presync')).code).toBe(0);

    write(dir, { 'schemas/customer.avsc': documented });
    const plan = await cli(dir, 'plan');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).not.toContain('~ subject');
    expect(plan.stdout).toContain(`subject ${p}-customers-value: only docs differ between schemas/customer.avsc and version 1; docs are not part of the normalized form`);
    expect((await cli(dir, 'presync')).code).toBe(0);
    expect(await versionsOf(`${p}-customers-value`)).toEqual([1]);

    const offline = await cli(dir, 'validate', '--against', 'HEAD');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('against HEAD: 0 changed (0 compatible, 0 incompatible), 0 new, 1 unchanged (1 with only docs changed)');
  });

  it('is a new version with normalize: false', async () => {
    const p = `${RUN}-docv`;
    const subjects = `subjects:\n  - { subject: ${p}-customers-value, file: customer.avsc }\n`;
    const dir = workspace(subjects, { 'schemas/customer.avsc': record('Customer', [{ name: 'id', type: 'string' }]) }, { normalize: false });
    expect((await cli(dir, 'presync')).code).toBe(0);
    write(dir, { 'schemas/customer.avsc': documented });
    const applied = await cli(dir, 'presync');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await versionsOf(`${p}-customers-value`)).toEqual([1, 2]);
    expect((await registry<{ schema: string }>(`/subjects/${p}-customers-value/versions/2`)).body.schema).toContain('A customer of the shop');
  });
});

describe('validate --against a git ref under a transitive level', () => {
  it('checks every version of the file in the history through the CLI: v1 → v3 incompatible while v2 → v3 is compatible', async () => {
    const p = `${RUN}-hist`;
    const subjects = `subjects:\n  - { subject: ${p}-accounts-value, file: account.avsc, compatibility: BACKWARD_TRANSITIVE }\n`;
    const account = (fields: unknown[]) => record('Account', [{ name: 'id', type: 'string' }, ...fields]);
    const dir = workspace(subjects, { 'schemas/account.avsc': account([]) });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'account v1');
    write(dir, { 'schemas/account.avsc': account([{ name: 'plan', type: 'string', default: 'free' }]) });
    git('commit', '-q', '-am', 'account v2');
    write(dir, { 'schemas/account.avsc': account([{ name: 'plan', type: 'string' }]) });
    git('commit', '-q', '-am', 'account v3');

    const result = await cli(dir, 'validate', '--against', 'HEAD~1');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/with its 2 versions in the history of HEAD~1: the new schema cannot read data written with the version of [0-9a-f]{12} \("account v1"\): field plan of record shop\.Account is missing in the writer's schema and has no default value/);
  });
});
