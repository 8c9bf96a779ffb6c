import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/synchook-config.js';
import { createLogger } from '../../src/log.js';
import type { RunSummary } from '../../src/report/types.js';
import { runPhase } from '../../src/runner.js';
import { schemasTask } from '../../src/tasks/schemas/index.js';
import { harness } from '../harness/index.js';
import { startRegistryProxy, type ProxiedRequest, type StartedRegistryProxy } from '../harness/registry-proxy.js';
import { runCli } from '../harness/run-cli.js';

/** Every subject of this file starts with it, so runs and files never meet in the shared registry. */
const RUN = `sh${randomBytes(3).toString('hex')}`;
const USER = 'synchook';
const PASSWORD = randomBytes(12).toString('hex');

let proxy: StartedRegistryProxy;

beforeAll(async () => {
  // Every run below goes through a proxy that requires basic auth, like a secured registry, and
  // records the requests, so that "a rerun writes nothing" is checked on the wire.
  proxy = await startRegistryProxy({ target: harness().registry.url, basicAuth: { username: USER, password: PASSWORD } });
});

afterAll(async () => {
  await proxy?.stop();
});

type Files = Record<string, string | object>;

/** A config folder: synchook.yaml (registry through the proxy, with basic auth), the subjects file and schemas. */
function workspace(subjects: string, files: Files, options: { compatibility?: string; password?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-schemas-it-'));
  const section = [`schemas:`, `  files: [schemas/subjects.yaml]`, ...(options.compatibility ? [`  compatibility: ${options.compatibility}`] : [])].join('\n');
  writeFileSync(join(dir, 'synchook.yaml'), `registry:\n  url: ${proxy.url}\n  retries: 2\n  basicAuth:\n    username: ${USER}\n    passwordFile: registry-password\n${section}\n`);
  writeFileSync(join(dir, 'registry-password'), `${options.password ?? PASSWORD}\n`);
  write(dir, { 'schemas/subjects.yaml': subjects, ...files });
  return dir;
}

function write(dir: string, files: Files): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

/** Runs a phase in-process and returns what it sent to the registry. */
async function run(dir: string, mode: 'presync' | 'plan' = 'presync'): Promise<{ summary: RunSummary; requests: ProxiedRequest[] }> {
  proxy.clearRequests();
  const summary = await runPhase({ mode, loaded: loadConfig(join(dir, 'synchook.yaml'), {}), log: createLogger({ level: 'silent' }), tasks: [schemasTask] });
  return { summary, requests: [...proxy.requests] };
}

/** Requests that change the registry: registrations and config changes (lookups and checks are POSTs that do not). */
function writes(requests: readonly ProxiedRequest[]): string[] {
  return requests.filter((request) => request.method === 'PUT' || request.method === 'DELETE' || (request.method === 'POST' && /\/versions$/.test(request.path) && !request.path.startsWith('/compatibility'))).map((request) => `${request.method} ${request.path}`);
}

function cli(dir: string, ...args: string[]) {
  return runCli([...args, '-c', join(dir, 'synchook.yaml')]);
}

/** Reads the registry directly (not through the proxy). */
async function registry<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${harness().registry.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

const versionsOf = async (subject: string) => {
  const response = await registry<number[]>(`/subjects/${subject}/versions`);
  return response.status === 404 ? [] : response.body;
};
const levelOf = async (subject: string) => (await registry<{ compatibilityLevel?: string }>(`/config/${subject}?defaultToGlobal=true`)).body.compatibilityLevel;

const avroRecord = (name: string, fields: unknown[], namespace = 'com.acme') => ({ type: 'record', name, namespace, fields });

describe('schemas task against the real registry', () => {
  it('registers Avro, JSON Schema and Protobuf subjects with references through the CLI, and a rerun writes nothing', async () => {
    const p = `${RUN}-new`;
    const dir = workspace(
      [
        'subjects:',
        `  - subject: ${p}-order-value`,
        '    file: order.avsc',
        '    compatibility: FULL',
        `    references: [{ name: com.acme.Customer, subject: ${p}-customer-value }]`,
        `  - subject: ${p}-customer-value`,
        '    file: customer.avsc',
        `  - subject: ${p}-person-value`,
        '    file: person.json',
        `    references: [{ name: address.json, subject: ${p}-address-value }]`,
        `  - subject: ${p}-address-value`,
        '    file: address.json',
        `  - topic: ${p}-payments`,
        '    key: payment-key.json',
        '    value:',
        '      file: payment.proto',
        `      references: [{ name: money.proto, subject: ${p}-money-value }]`,
        `  - subject: ${p}-money-value`,
        '    file: money.proto',
      ].join('\n'),
      {
        'schemas/customer.avsc': avroRecord('Customer', [{ name: 'id', type: 'string' }]),
        'schemas/order.avsc': avroRecord('Order', [{ name: 'id', type: 'string' }, { name: 'customer', type: 'Customer' }]),
        'schemas/address.json': { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { street: { type: 'string' } } },
        'schemas/person.json': { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { name: { type: 'string' }, address: { $ref: 'address.json' } }, required: ['name'] },
        'schemas/payment-key.json': { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' },
        'schemas/money.proto': 'syntax = "proto3";\npackage acme;\nmessage Money { string currency = 1; int64 units = 2; }\n',
        'schemas/payment.proto': 'syntax = "proto3";\npackage acme;\nimport "money.proto";\nimport "google/protobuf/timestamp.proto";\nmessage Payment {\n  string id = 1;\n  Money amount = 2;\n  google.protobuf.Timestamp at = 3;\n}\n',
      },
      { compatibility: 'BACKWARD' },
    );

    const plan = await cli(dir, 'plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`+ subject ${p}-order-value: new AVRO subject from schemas/order.avsc`);
    expect(plan.stdout).toContain(`reference com.acme.Customer → ${p}-customer-value (registered in this run)`);
    expect(plan.stdout).toContain('compatibility FULL (set after the first version)');
    expect(await versionsOf(`${p}-customer-value`)).toEqual([]);

    const applied = await cli(dir, 'presync');
    expect(applied.stderr).not.toContain(PASSWORD);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('7 subjects created, 7 compatibility levels set');
    for (const subject of ['order-value', 'customer-value', 'person-value', 'address-value', 'payments-key', 'payments-value', 'money-value']) expect(await versionsOf(`${p}-${subject}`)).toEqual([1]);
    const order = await registry<{ references: unknown[]; schema: string }>(`/subjects/${p}-order-value/versions/latest`);
    expect(order.body.references).toEqual([{ name: 'com.acme.Customer', subject: `${p}-customer-value`, version: 1 }]);
    const payment = await registry<{ references: unknown[]; schemaType: string }>(`/subjects/${p}-payments-value/versions/latest`);
    expect(payment.body).toMatchObject({ schemaType: 'PROTOBUF', references: [{ name: 'money.proto', subject: `${p}-money-value`, version: 1 }] });
    expect((await registry<{ schemaType: string }>(`/subjects/${p}-person-value/versions/latest`)).body.schemaType).toBe('JSON');
    expect(await levelOf(`${p}-order-value`)).toBe('FULL');
    expect(await levelOf(`${p}-customer-value`)).toBe('BACKWARD');

    const again = await run(dir);
    expect(again.summary.exitCode).toBe(0);
    expect(again.summary.results[0]!.changes).toEqual([]);
    expect(writes(again.requests)).toEqual([]);
    expect(again.requests.every((request) => request.outcome === 'forwarded')).toBe(true);
  });

  it('treats formatting-only changes (whitespace, key order, comments, name spelling) as no change', async () => {
    const p = `${RUN}-fmt`;
    const subjects = `subjects:\n  - { subject: ${p}-a-value, file: a.avsc }\n  - { subject: ${p}-b-value, file: b.json }\n  - { subject: ${p}-c-value, file: c.proto }\n`;
    const dir = workspace(subjects, {
      'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 0 }]),
      'schemas/b.json': { type: 'object', properties: { x: { type: 'string' }, y: { type: 'integer' } }, required: ['x'] },
      'schemas/c.proto': 'syntax = "proto3";\npackage acme;\nmessage C { string id = 1; int32 n = 2; }\n',
    });
    expect((await run(dir)).summary.exitCode).toBe(0);

    write(dir, {
      'schemas/a.avsc': '{\n    "fields": [\n        {"type": {"type": "string"}, "name": "id"},\n        {"default": 0, "name": "n", "type": "int"}\n    ],\n    "name": "com.acme.A",\n    "type": "record"\n}\n',
      'schemas/b.json': '{"required":["x"],\n "properties": {"y": {"type": "integer"},   "x": {"type": "string"}},\n "type": "object"}',
      'schemas/c.proto': '// payments\nsyntax = "proto3";\n\npackage acme;\n\nmessage C {\n  string id = 1; // the id\n  int32 n = 2;\n}\n',
    });
    const again = await run(dir);
    expect(again.summary.exitCode).toBe(0);
    expect(again.summary.results[0]!.changes).toEqual([]);
    expect(writes(again.requests)).toEqual([]);
    for (const subject of ['a', 'b', 'c']) expect(await versionsOf(`${p}-${subject}-value`)).toEqual([1]);
  });

  it('registers a compatible evolution, and the subjects that reference it by "latest" follow', async () => {
    const p = `${RUN}-evo`;
    const subjects = [
      'subjects:',
      `  - { subject: ${p}-customer-value, file: customer.avsc }`,
      `  - { subject: ${p}-order-value, file: order.avsc, references: [{ name: com.acme.Customer, subject: ${p}-customer-value }] }`,
    ].join('\n');
    const order = avroRecord('Order', [{ name: 'customer', type: 'com.acme.Customer' }]);
    const dir = workspace(subjects, { 'schemas/customer.avsc': avroRecord('Customer', [{ name: 'id', type: 'string' }]), 'schemas/order.avsc': order }, { compatibility: 'BACKWARD' });
    expect((await run(dir)).summary.exitCode).toBe(0);

    write(dir, { 'schemas/customer.avsc': avroRecord('Customer', [{ name: 'id', type: 'string' }, { name: 'email', type: ['null', 'string'], default: null }]) });
    const plan = await run(dir, 'plan');
    expect(plan.summary.results[0]!.changes.map((change) => `${change.action} ${change.resource}: ${change.detail}`)).toEqual([
      `update subject ${p}-customer-value: AVRO version 1 → new version from schemas/customer.avsc`,
      `update subject ${p}-order-value: AVRO version 1 → new version from schemas/order.avsc`,
    ]);
    expect(writes(plan.requests)).toEqual([]);

    const applied = await run(dir);
    expect(applied.summary.exitCode).toBe(0);
    expect(await versionsOf(`${p}-customer-value`)).toEqual([1, 2]);
    expect((await registry<{ references: unknown[] }>(`/subjects/${p}-order-value/versions/latest`)).body.references).toEqual([{ name: 'com.acme.Customer', subject: `${p}-customer-value`, version: 2 }]);
    expect(writes((await run(dir)).requests)).toEqual([]);
  });

  it('refuses an incompatible evolution with the reasons through the CLI (exit 1) and applies nothing; validate --against says the same offline', async () => {
    const p = `${RUN}-inc`;
    const subjects = `subjects:\n  - { subject: ${p}-customer-value, file: customer.avsc }\n`;
    const dir = workspace(subjects, { 'schemas/customer.avsc': avroRecord('Customer', [{ name: 'id', type: 'string' }, { name: 'age', type: 'int' }]) }, { compatibility: 'BACKWARD' });
    expect((await run(dir)).summary.exitCode).toBe(0);
    const baseline = mkdtempSync(join(tmpdir(), 'synchook-schemas-baseline-'));
    cpSync(dir, baseline, { recursive: true });

    // A field without a default is added (the new schema cannot read old data), the type of id
    // changes, and a new subject and a level change ride along: none of it may be applied.
    write(dir, {
      'schemas/subjects.yaml': `${subjects}  - { subject: ${p}-other-value, file: other.avsc }\n`,
      'schemas/customer.avsc': avroRecord('Customer', [{ name: 'id', type: 'long' }, { name: 'age', type: 'int' }, { name: 'email', type: 'string' }]),
      'schemas/other.avsc': avroRecord('Other', [{ name: 'id', type: 'string' }]),
    });
    write(dir, { 'synchook.yaml': readFileSync(join(dir, 'synchook.yaml'), 'utf8').replace('compatibility: BACKWARD', 'compatibility: FULL') });
    proxy.clearRequests();
    const result = await cli(dir, 'presync');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`! subject ${p}-customer-value: the new schema in schemas/customer.avsc is incompatible under BACKWARD (registry check against version 1)`);
    expect(result.stdout).toContain('reader type LONG is not compatible with writer type STRING (TYPE_MISMATCH at /fields/0/type');
    expect(result.stdout).toContain('field email of record com.acme.Customer is missing in the writer');
    expect(result.stdout).toContain('compatibility BACKWARD → FULL');
    expect(writes(proxy.requests)).toEqual([]);
    expect(await versionsOf(`${p}-customer-value`)).toEqual([1]);
    expect(await versionsOf(`${p}-other-value`)).toEqual([]);
    expect(await levelOf(`${p}-customer-value`)).toBe('BACKWARD');

    const offline = await cli(dir, 'validate', '--against', baseline);
    expect(offline.code).toBe(1);
    expect(offline.stdout).toContain(`! subject ${p}-customer-value: the schema in schemas/customer.avsc is incompatible under FULL with its version at ${baseline}`);
    expect(offline.stdout).toContain('TYPE_MISMATCH at /fields/0/type');
  });

  it('refuses removing a field without a default under FORWARD (old readers need it), and a changed type under BACKWARD', async () => {
    const p = `${RUN}-fwd`;
    const subjects = `subjects:\n  - { subject: ${p}-a-value, file: a.avsc, compatibility: FORWARD }\n  - { subject: ${p}-b-value, file: b.avsc }\n`;
    const dir = workspace(subjects, {
      'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }, { name: 'note', type: 'string' }]),
      'schemas/b.avsc': avroRecord('B', [{ name: 'n', type: 'long' }]),
    }, { compatibility: 'BACKWARD' });
    expect((await run(dir)).summary.exitCode).toBe(0);

    write(dir, { 'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }]), 'schemas/b.avsc': avroRecord('B', [{ name: 'n', type: 'int' }]) });
    const { summary, requests } = await run(dir);
    expect(summary.exitCode).toBe(1);
    const messages = summary.results[0]!.violations.map((violation) => violation.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('incompatible under FORWARD');
    expect(messages[0]).toContain('version 1 cannot read data written with the new schema: field note of record com.acme.A is missing in the writer');
    expect(messages[1]).toContain('incompatible under BACKWARD');
    expect(messages[1]).toContain('reader type INT is not compatible with writer type LONG');
    expect(writes(requests)).toEqual([]);
  });

  it('refuses an incompatible Protobuf change, saying the registry decided', async () => {
    const p = `${RUN}-pb`;
    const subjects = `subjects:\n  - { subject: ${p}-e-value, file: e.proto }\n`;
    const dir = workspace(subjects, { 'schemas/e.proto': 'syntax = "proto3";\npackage acme;\nmessage E { string id = 1; int32 n = 2; }\n' });
    expect((await run(dir)).summary.exitCode).toBe(0);
    write(dir, { 'schemas/e.proto': 'syntax = "proto3";\npackage acme;\nmessage E { string id = 1; string n = 2; }\n' });
    const { summary } = await run(dir);
    expect(summary.exitCode).toBe(1);
    expect(summary.results[0]!.violations[0]!.message).toMatch(/incompatible under BACKWARD \(registry check against version 1\)/);
    expect(await versionsOf(`${p}-e-value`)).toEqual([1]);
  });

  it('changes a subject level only where the config says so, and a rerun leaves it', async () => {
    const p = `${RUN}-lvl`;
    const subjects = (level: string) => `subjects:\n  - { subject: ${p}-a-value, file: a.avsc, compatibility: ${level} }\n  - { subject: ${p}-b-value, file: b.avsc }\n`;
    const files = { 'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }]), 'schemas/b.avsc': avroRecord('B', [{ name: 'id', type: 'string' }]) };
    const dir = workspace(subjects('BACKWARD'), files);
    expect((await run(dir)).summary.exitCode).toBe(0);
    expect(await levelOf(`${p}-a-value`)).toBe('BACKWARD');

    write(dir, { 'schemas/subjects.yaml': subjects('FULL_TRANSITIVE') });
    const plan = await run(dir, 'plan');
    expect(plan.summary.results[0]!.changes).toEqual([{ action: 'update', resource: `subject ${p}-a-value`, detail: 'compatibility BACKWARD → FULL_TRANSITIVE' }]);
    const applied = await run(dir);
    expect(applied.summary.exitCode).toBe(0);
    expect(writes(applied.requests)).toEqual([`PUT /config/${p}-a-value`]);
    expect(await levelOf(`${p}-a-value`)).toBe('FULL_TRANSITIVE');
    // b has no configured level: its level is never read for a change, never written.
    expect(applied.requests.some((request) => request.path === `/config/${p}-b-value`)).toBe(false);
    expect(writes((await run(dir)).requests)).toEqual([]);
  });

  it('resolves a pinned reference to a subject this config does not declare, and refuses a version the registry lacks', async () => {
    const p = `${RUN}-ext`;
    const shared = workspace(`subjects:\n  - { subject: ${p}-money-value, file: money.avsc }\n`, { 'schemas/money.avsc': avroRecord('Money', [{ name: 'units', type: 'long' }]) });
    expect((await run(shared)).summary.exitCode).toBe(0);

    const subjects = (version: number) => `subjects:\n  - subject: ${p}-price-value\n    file: price.avsc\n    references: [{ name: com.acme.Money, subject: ${p}-money-value, version: ${version} }]\n`;
    const dir = workspace(subjects(1), { 'schemas/price.avsc': avroRecord('Price', [{ name: 'amount', type: 'Money' }]) });
    const applied = await run(dir);
    expect(applied.summary.exitCode).toBe(0);
    expect((await registry<{ references: unknown[] }>(`/subjects/${p}-price-value/versions/latest`)).body.references).toEqual([{ name: 'com.acme.Money', subject: `${p}-money-value`, version: 1 }]);

    write(dir, { 'schemas/subjects.yaml': subjects(7) });
    const missing = await run(dir);
    expect(missing.summary.exitCode).toBe(2);
    expect(missing.summary.results[0]!.error).toContain(`points at version 7 of subject ${p}-money-value, which the registry does not have`);
  });

  it('checks a new version under the level it gets in the same run, not only the current one', async () => {
    const p = `${RUN}-next`;
    const dir = workspace(`subjects:\n  - { subject: ${p}-a-value, file: a.avsc }\n`, { 'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }, { name: 'note', type: 'string' }]) }, { compatibility: 'BACKWARD' });
    expect((await run(dir)).summary.exitCode).toBe(0);
    // Removing a field is fine under BACKWARD (the registry's level now) but not under FULL.
    write(dir, { 'synchook.yaml': readFileSync(join(dir, 'synchook.yaml'), 'utf8').replace('compatibility: BACKWARD', 'compatibility: FULL'), 'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }]) });
    const { summary, requests } = await run(dir);
    expect(summary.exitCode).toBe(1);
    expect(summary.results[0]!.violations[0]!.message).toContain('incompatible under FULL (offline check, as the level changes to FULL): version 1 cannot read data written with the new schema: field note of record com.acme.A is missing');
    expect(writes(requests)).toEqual([]);
    expect(await levelOf(`${p}-a-value`)).toBe('BACKWARD');
  });

  it('checks the basic-auth credentials: a wrong password is a configuration error (exit 2) naming registry.basicAuth', async () => {
    const dir = workspace(`subjects:\n  - { subject: ${RUN}-auth-value, file: a.avsc }\n`, { 'schemas/a.avsc': avroRecord('A', []) }, { password: 'wrong-password' });
    const result = await cli(dir, 'presync');
    expect(result.code).toBe(2);
    expect(`${result.stdout}${result.stderr}`).toContain('registry.basicAuth');
    expect(await versionsOf(`${RUN}-auth-value`)).toEqual([]);
  });

  it('retries a registration answered with 503 and registers the schema once', async () => {
    const p = `${RUN}-retry`;
    const dir = workspace(`subjects:\n  - { subject: ${p}-a-value, file: a.avsc }\n`, { 'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }]) });
    proxy.setFaults([{ method: 'POST', path: `/subjects/${p}-a-value/versions`, fault: { kind: 'status', status: 503 } }]);
    try {
      const { summary, requests } = await run(dir);
      expect(summary.exitCode).toBe(0);
      expect(requests.filter((request) => request.path === `/subjects/${p}-a-value/versions`).map((request) => request.status)).toEqual([503, 200]);
    } finally {
      proxy.setFaults([]);
    }
    expect(await versionsOf(`${p}-a-value`)).toEqual([1]);
  });

  it('validate --against a git ref reads the baseline with git show and gives the registry-side verdict offline', async () => {
    const p = `${RUN}-git`;
    const repo = mkdtempSync(join(tmpdir(), 'synchook-schemas-git-'));
    const dir = join(repo, 'deploy', 'dev');
    mkdirSync(dir, { recursive: true });
    const subjects = `subjects:\n  - { subject: ${p}-a-value, file: a.avsc }\n  - { subject: ${p}-b-value, file: b.json }\n`;
    writeFileSync(join(dir, 'synchook.yaml'), `registry:\n  url: ${harness().registry.url}\nschemas:\n  files: [schemas/subjects.yaml]\n  compatibility: BACKWARD\n`);
    write(dir, {
      'schemas/subjects.yaml': subjects,
      'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }]),
      'schemas/b.json': { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: false },
    });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'baseline');
    git('tag', 'baseline');

    write(dir, { 'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }, { name: 'email', type: ['null', 'string'], default: null }]) });
    const compatible = await runCli(['validate', '--against', 'baseline', '-c', join(dir, 'synchook.yaml')], { cwd: repo });
    expect(compatible.code).toBe(0);
    expect(compatible.stdout).toContain('against baseline: 1 changed (1 compatible, 0 incompatible), 0 new, 1 unchanged');

    write(dir, {
      'schemas/a.avsc': avroRecord('A', [{ name: 'id', type: 'string' }, { name: 'email', type: 'string' }]),
      'schemas/b.json': { type: 'object', properties: {}, additionalProperties: false },
    });
    const refused = await runCli(['validate', '--against', 'baseline', '-c', join(dir, 'synchook.yaml')], { cwd: repo });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`! subject ${p}-a-value: the schema in schemas/a.avsc is incompatible under BACKWARD with its version at baseline`);
    expect(refused.stdout).toContain('READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1');
    expect(refused.stdout).toContain('OBJECT_TYPE_PROPERTY_SCHEMAS_NARROWED');

    const unknownRef = await runCli(['validate', '--against', 'no-such-ref', '-c', join(dir, 'synchook.yaml')], { cwd: repo });
    expect(unknownRef.code).toBe(2);
    expect(unknownRef.stderr + unknownRef.stdout).toContain('--against no-such-ref: neither a folder nor a git ref');
  });
});
