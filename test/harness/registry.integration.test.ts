/**
 * The schema-registry part of the harness against the real Apicurio Registry: how it starts and
 * stops, and how it answers the Confluent REST API. Where Apicurio departs from Confluent's
 * documented behaviour the test pins down what Apicurio does (and says what Confluent does), so
 * that the registry client is built against facts and a new Apicurio version that changes them
 * fails here first.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type StartedRegistry } from './registry.js';
import { startRegistryProxy, type StartedRegistryProxy } from './registry-proxy.js';

const CONFLUENT_JSON = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };

interface ApiResponse {
  status: number;
  // Registry answers are JSON of many shapes; the tests narrow them with expect().
  body: any;
}

let registry: StartedRegistry;

beforeAll(async () => {
  registry = await startRegistry({ compatibility: 'BACKWARD' });
  console.info(`registry: Apicurio Registry ${registry.version} up in ${registry.startupMs} ms at ${registry.url}`);
});

afterAll(async () => {
  await registry?.stop();
});

async function api(method: string, path: string, body?: unknown, base = registry.url, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...CONFLUENT_JSON, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (an empty 204 or an HTML page); keep the text.
  }
  return { status: response.status, body: parsed };
}

function avro(fields: object[], name = 'Order', namespace = 'com.example'): string {
  return JSON.stringify({ type: 'record', name, namespace, fields });
}

const ID = { name: 'id', type: 'string' };
const QTY = { name: 'qty', type: 'int' };
const SKU_REQUIRED = { name: 'sku', type: 'string' };
const SKU_OPTIONAL = { name: 'sku', type: 'string', default: '' };

/** Sockets in LISTEN state that belong to the process, as "address:port". */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we were reading the directory.
    }
  }
  const listening: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      const [local, state, inode] = [columns[1], columns[3], columns[9]];
      if (!local || state !== '0A' || !inode || !inodes.has(inode)) continue;
      const [hexAddress = '', hexPort = ''] = local.split(':');
      listening.push(`${decodeProcAddress(hexAddress)}:${Number.parseInt(hexPort, 16)}`);
    }
  }
  return listening;
}

/** /proc/net/tcp prints IPv4 addresses as one little-endian 32-bit hex word; IPv6 as four. */
function decodeProcAddress(hex: string): string {
  const word = (w: string) => [6, 4, 2, 0].map((i) => Number.parseInt(w.slice(i, i + 2), 16)).join('.');
  if (hex.length === 8) return word(hex);
  if (hex.startsWith('0000000000000000FFFF0000')) return word(hex.slice(24));
  return hex === '00000000000000000000000000000000' ? '::' : `ipv6:${hex}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return condition();
}

describe('starting and stopping the registry', () => {
  it('serves the Confluent API and Apicurio’s own API on one port bound to 127.0.0.1 only', async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/);
    expect(registry.url.startsWith(registry.baseUrl)).toBe(true);
    const port = Number(new URL(registry.baseUrl).port);
    expect(listeningAddresses(registry.pid)).toEqual([`127.0.0.1:${port}`]);

    const info = await api('GET', '/apis/registry/v3/system/info', undefined, registry.baseUrl);
    expect(info.status).toBe(200);
    expect(info.body.version).toBe(registry.version);
  });

  it('runs a second registry beside the first, and stop() and kill() end its JVM', async () => {
    const second = await startRegistry({ compatibility: 'FULL' });
    try {
      expect(second.baseUrl).not.toBe(registry.baseUrl);
      expect((await api('GET', '/config', undefined, second.url)).body).toEqual({ compatibilityLevel: 'FULL' });
      // The two registries keep separate data.
      expect((await api('POST', '/subjects/only-in-second/versions', { schema: avro([ID]) }, second.url)).status).toBe(200);
      expect((await api('GET', '/subjects/only-in-second/versions')).status).toBe(404);
    } finally {
      const stopping = Date.now();
      await second.stop();
      console.info(`registry: stop() took ${Date.now() - stopping} ms`);
    }
    expect(isAlive(second.pid)).toBe(false);
    await second.stop(); // a second stop is harmless

    const third = await startRegistry();
    await third.kill();
    expect(isAlive(third.pid)).toBe(false);
  });

  it('does not outlive the process that started it, even when that process is SIGKILLed', async () => {
    const registryModule = fileURLToPath(new URL('./registry.ts', import.meta.url));
    const script = `const { startRegistry } = await import(${JSON.stringify(registryModule)});
      const r = await startRegistry();
      process.stdout.write(JSON.stringify({ pid: r.pid, logFile: r.logFile }) + '\\n');
      setInterval(() => {}, 1 << 30);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let runDir: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const started = await waitUntil(() => stdout.includes('\n'), 90_000);
      expect(started, `the child did not report a registry: ${stderr}`).toBe(true);
      const { pid, logFile } = JSON.parse(stdout) as { pid: number; logFile: string };
      runDir = dirname(logFile);
      expect(isAlive(pid)).toBe(true);
      child.kill('SIGKILL');
      expect(await waitUntil(() => !isAlive(pid), 10_000)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      // The killed process could not remove its run folder.
      if (runDir) rmSync(runDir, { recursive: true, force: true });
    }
  });
});

describe('Confluent REST API: configuration and mode', () => {
  it('GET /config returns the global level set at start', async () => {
    expect(await api('GET', '/config')).toEqual({ status: 200, body: { compatibilityLevel: 'BACKWARD' } });
  });

  it('accepts every level but NONE through PUT /config/{subject}, also for a subject that does not exist yet', async () => {
    for (const level of ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE']) {
      const subject = `config-${level.toLowerCase()}`;
      expect(await api('PUT', `/config/${subject}`, { compatibility: level })).toEqual({ status: 200, body: { compatibilityLevel: level } });
      expect(await api('GET', `/config/${subject}`)).toEqual({ status: 200, body: { compatibilityLevel: level } });
    }
    // NONE is stored as "no subject rule"; removing a rule of a subject that does not exist is 40401.
    expect(await api('PUT', '/config/config-none', { compatibility: 'NONE' })).toMatchObject({ status: 404, body: { error_code: 40401 } });
  });

  it('GET /config/{subject} answers NONE for a subject without its own level (Confluent: 404 40408), unless defaultToGlobal=true', async () => {
    expect((await api('POST', '/subjects/config-unset/versions', { schema: avro([ID]) })).status).toBe(200);
    expect(await api('GET', '/config/config-unset')).toEqual({ status: 200, body: { compatibilityLevel: 'NONE' } });
    expect(await api('GET', '/config/config-unset?defaultToGlobal=true')).toEqual({ status: 200, body: { compatibilityLevel: 'BACKWARD' } });
    // NONE here means "not set": the global BACKWARD still applies to registrations.
    expect((await api('POST', '/subjects/config-unset/versions', { schema: avro([ID, SKU_REQUIRED]) })).status).toBe(409);
    // A subject that does not exist at all is 40401.
    const missing = await api('GET', '/config/config-no-such-subject');
    expect(missing).toMatchObject({ status: 404, body: { error_code: 40401 } });
  });

  it('subject level NONE does not switch checks off under a global level (Confluent: it does)', async () => {
    await api('POST', '/subjects/config-subject-none/versions', { schema: avro([ID]) });
    expect(await api('PUT', '/config/config-subject-none', { compatibility: 'NONE' })).toEqual({ status: 200, body: { compatibilityLevel: 'NONE' } });
    expect((await api('POST', '/subjects/config-subject-none/versions', { schema: avro([ID, SKU_REQUIRED]) })).status).toBe(409);
  });

  it('DELETE /config/{subject} removes the subject level so the global one applies again', async () => {
    await api('PUT', '/config/config-deleted', { compatibility: 'FORWARD' });
    await api('POST', '/subjects/config-deleted/versions', { schema: avro([ID, QTY]) });
    // A new field without default is FORWARD compatible but not BACKWARD compatible.
    expect((await api('POST', '/subjects/config-deleted/versions', { schema: avro([ID, QTY, SKU_REQUIRED]) })).status).toBe(200);
    expect(await api('DELETE', '/config/config-deleted')).toEqual({ status: 200, body: { compatibilityLevel: 'FORWARD' } });
    expect((await api('POST', '/subjects/config-deleted/versions', { schema: avro([ID, QTY, SKU_REQUIRED, { name: 'weight', type: 'int' }]) })).status).toBe(409);
  });

  it('rejects an unknown level with HTTP 500 and error_code 0 (Confluent: 422 42203)', async () => {
    expect(await api('PUT', '/config', { compatibility: 'SIDEWAYS' })).toMatchObject({ status: 500, body: { error_code: 0 } });
    expect((await api('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('does not implement GET /mode: 404 with an empty body; GET /mode/{subject} is 204', async () => {
    expect(await api('GET', '/mode')).toEqual({ status: 404, body: undefined });
    expect(await api('GET', '/mode/config-unset')).toEqual({ status: 204, body: undefined });
  });

  it('lists the schema types it supports', async () => {
    expect((await api('GET', '/schemas/types')).body).toEqual(expect.arrayContaining(['AVRO', 'JSON', 'PROTOBUF']));
  });
});

describe('Confluent REST API: registering and looking up Avro schemas', () => {
  const compact = avro([ID]);
  const reformatted = `{
    "type": "record", "name": "Order",
    "namespace": "com.example",
    "fields": [ { "name": "id", "type": "string" } ]
  }`;
  const reordered = JSON.stringify({ fields: [{ type: 'string', name: 'id' }], namespace: 'com.example', name: 'Order', type: 'record' });

  it('registers a schema once: the same text again returns the same id and adds no version', async () => {
    const first = await api('POST', '/subjects/avro-orders-value/versions', { schema: compact });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: expect.any(Number) });
    expect((await api('POST', '/subjects/avro-orders-value/versions', { schema: compact })).body).toEqual(first.body);
    expect((await api('GET', '/subjects/avro-orders-value/versions')).body).toEqual([1]);

    const latest = await api('GET', '/subjects/avro-orders-value/versions/latest');
    expect(latest.body).toEqual({ subject: 'avro-orders-value', version: 1, id: first.body.id, schema: compact, schemaType: 'AVRO', references: [] });
    // The same schema under another subject gets the same id, as in Confluent.
    expect((await api('POST', '/subjects/avro-orders-copy-value/versions', { schema: compact })).body).toEqual(first.body);
  });

  it('POST /subjects/{subject} finds the exact text; formatting-only differences match only with ?normalize=true', async () => {
    const exact = await api('POST', '/subjects/avro-orders-value', { schema: compact });
    expect(exact).toMatchObject({ status: 200, body: { subject: 'avro-orders-value', version: 1, schema: compact, references: [] } });

    for (const variant of [reformatted, reordered]) {
      expect(await api('POST', '/subjects/avro-orders-value', { schema: variant })).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect(await api('POST', '/subjects/avro-orders-value?normalize=true', { schema: variant })).toMatchObject({ status: 200, body: { version: 1 } });
    }
    // A default value is content, not formatting.
    expect((await api('POST', '/subjects/avro-orders-value?normalize=true', { schema: avro([{ ...ID, default: 'x' }]) })).status).toBe(404);
    expect(await api('POST', '/subjects/avro-no-such-subject', { schema: compact })).toMatchObject({ status: 404, body: { error_code: 40401 } });
  });

  it('registers a formatting-only variant as a new version unless ?normalize=true (Confluent: same id either way)', async () => {
    expect((await api('POST', '/subjects/avro-format-value/versions', { schema: compact })).status).toBe(200);
    expect((await api('POST', '/subjects/avro-format-value/versions?normalize=true', { schema: reformatted })).status).toBe(200);
    expect((await api('GET', '/subjects/avro-format-value/versions')).body).toEqual([1]);
    expect((await api('POST', '/subjects/avro-format-value/versions', { schema: reformatted })).status).toBe(200);
    expect((await api('GET', '/subjects/avro-format-value/versions')).body).toEqual([1, 2]);
    // The text is stored as sent.
    expect((await api('GET', '/subjects/avro-format-value/versions/2')).body.schema).toBe(reformatted);
  });

  it('rejects an invalid schema with 422 and error_code 42201', async () => {
    expect(await api('POST', '/subjects/avro-invalid-value/versions', { schema: '{"type":"record","name":' })).toMatchObject({
      status: 422,
      body: { error_code: 42201 },
    });
  });

  it('answers 40402 for a version that does not exist', async () => {
    expect(await api('GET', '/subjects/avro-orders-value/versions/99')).toMatchObject({ status: 404, body: { error_code: 40402 } });
  });
});

describe('Confluent REST API: compatibility', () => {
  const base = [ID, QTY];
  const cases = [
    // BACKWARD: readers on the new schema read old data, so a new field needs a default.
    { level: 'BACKWARD', compatible: [ID, QTY, SKU_OPTIONAL], incompatible: [ID, QTY, SKU_REQUIRED] },
    // FORWARD: readers on the old schema read new data, so a field without default must stay.
    { level: 'FORWARD', compatible: [ID, QTY, SKU_REQUIRED], incompatible: [ID] },
    { level: 'FULL', compatible: [ID, QTY, SKU_OPTIONAL], incompatible: [ID, QTY, SKU_REQUIRED] },
  ];

  for (const { level, compatible, incompatible } of cases) {
    it(`${level}: tells a compatible from an incompatible evolution and refuses to register the latter with 409`, async () => {
      const subject = `compat-${level.toLowerCase()}-value`;
      await api('PUT', `/config/${subject}`, { compatibility: level });
      const v1 = await api('POST', `/subjects/${subject}/versions`, { schema: avro(base) });
      expect(v1.status).toBe(200);

      for (const path of [`/compatibility/subjects/${subject}/versions/latest`, `/compatibility/subjects/${subject}/versions`]) {
        expect(await api('POST', path, { schema: avro(compatible) })).toEqual({ status: 200, body: { is_compatible: true } });
        expect(await api('POST', path, { schema: avro(incompatible) })).toEqual({ status: 200, body: { is_compatible: false } });
      }

      const refused = await api('POST', `/subjects/${subject}/versions`, { schema: avro(incompatible) });
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual({ error_code: 409, message: expect.stringContaining('Incompatible artifact') });

      const v2 = await api('POST', `/subjects/${subject}/versions`, { schema: avro(compatible) });
      expect(v2.status).toBe(200);
      expect(v2.body.id).not.toBe(v1.body.id);
      expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
    });
  }

  it('?verbose=true is accepted but gives no messages (Confluent adds "messages")', async () => {
    const subject = 'compat-backward-value';
    const verbose = await api('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, { schema: avro([ID, QTY, { name: 'x', type: 'long' }]) });
    expect(verbose).toEqual({ status: 200, body: { is_compatible: false } });
  });

  describe('BACKWARD_TRANSITIVE', () => {
    // v3 reads v2 data (f is absent, so its default applies) but not v1 data (f was an int).
    const v1 = avro([ID, { name: 'f', type: 'int' }], 'Shipment');
    const v2 = avro([ID], 'Shipment');
    const v3 = avro([ID, { name: 'f', type: 'string', default: '' }], 'Shipment');

    it('refuses what only an older version conflicts with, which BACKWARD lets through', async () => {
      const subject = 'compat-transitive-value';
      await api('PUT', `/config/${subject}`, { compatibility: 'BACKWARD' });
      expect((await api('POST', `/subjects/${subject}/versions`, { schema: v1 })).status).toBe(200);
      expect((await api('POST', `/subjects/${subject}/versions`, { schema: v2 })).status).toBe(200);

      await api('PUT', `/config/${subject}`, { compatibility: 'BACKWARD_TRANSITIVE' });
      expect((await api('POST', `/compatibility/subjects/${subject}/versions`, { schema: v3 })).body).toEqual({ is_compatible: false });
      expect((await api('POST', `/compatibility/subjects/${subject}/versions/1`, { schema: v3 })).body).toEqual({ is_compatible: false });
      // A check against one version is that version only, whatever the level.
      expect((await api('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: v3 })).body).toEqual({ is_compatible: true });
      expect(await api('POST', `/subjects/${subject}/versions`, { schema: v3 })).toMatchObject({ status: 409, body: { error_code: 409 } });

      await api('PUT', `/config/${subject}`, { compatibility: 'BACKWARD' });
      // Apicurio's /versions checks every version even under a non-transitive level (Confluent
      // checks the latest only), so it disagrees with the registration that follows.
      expect((await api('POST', `/compatibility/subjects/${subject}/versions`, { schema: v3 })).body).toEqual({ is_compatible: false });
      expect((await api('POST', `/subjects/${subject}/versions`, { schema: v3 })).status).toBe(200);
    });
  });

  it('checking against a subject that does not exist: latest says compatible, all versions says 40401', async () => {
    expect(await api('POST', '/compatibility/subjects/compat-none-value/versions/latest', { schema: avro([ID]) })).toEqual({ status: 200, body: { is_compatible: true } });
    expect(await api('POST', '/compatibility/subjects/compat-none-value/versions', { schema: avro([ID]) })).toMatchObject({ status: 404, body: { error_code: 40401 } });
  });

  it('an invalid schema in a check is 422 42201', async () => {
    expect(await api('POST', '/compatibility/subjects/compat-backward-value/versions/latest', { schema: '{nope' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
  });
});

describe('Confluent REST API: JSON Schema and Protobuf', () => {
  const draft7 = 'http://json-schema.org/draft-07/schema#';
  const jsonSchema = (properties: object) => JSON.stringify({ $schema: draft7, type: 'object', properties, required: ['id'], additionalProperties: false });

  it('registers JSON Schema and checks its compatibility', async () => {
    const v1 = jsonSchema({ id: { type: 'string' } });
    const registered = await api('POST', '/subjects/json-order-value/versions', { schema: v1, schemaType: 'JSON' });
    expect(registered.status).toBe(200);
    expect((await api('GET', '/subjects/json-order-value/versions/1')).body).toMatchObject({ schemaType: 'JSON', schema: v1 });
    expect((await api('POST', '/subjects/json-order-value', { schema: v1, schemaType: 'JSON' })).body.id).toBe(registered.body.id);

    const compatible = jsonSchema({ id: { type: 'string' }, note: { type: 'string' } });
    const incompatible = jsonSchema({ id: { type: 'integer' } });
    expect((await api('POST', '/compatibility/subjects/json-order-value/versions/latest', { schema: compatible, schemaType: 'JSON' })).body).toEqual({ is_compatible: true });
    expect((await api('POST', '/compatibility/subjects/json-order-value/versions/latest', { schema: incompatible, schemaType: 'JSON' })).body).toEqual({ is_compatible: false });
    expect((await api('POST', '/subjects/json-order-value/versions', { schema: incompatible, schemaType: 'JSON' })).status).toBe(409);
  });

  it('registers Protobuf and checks its compatibility', async () => {
    const v1 = 'syntax = "proto3";\npackage com.example;\nmessage Order { string id = 1; int64 amount = 2; }';
    const compatible = 'syntax = "proto3";\npackage com.example;\nmessage Order { string id = 1; int64 amount = 2; string note = 3; }';
    const incompatible = 'syntax = "proto3";\npackage com.example;\nmessage Order { string id = 1; string amount = 2; }';
    expect((await api('POST', '/subjects/proto-order-value/versions', { schema: v1, schemaType: 'PROTOBUF' })).status).toBe(200);
    expect((await api('GET', '/subjects/proto-order-value/versions/1')).body).toMatchObject({ schemaType: 'PROTOBUF', schema: v1 });
    expect((await api('POST', '/compatibility/subjects/proto-order-value/versions/latest', { schema: compatible, schemaType: 'PROTOBUF' })).body).toEqual({ is_compatible: true });
    expect((await api('POST', '/compatibility/subjects/proto-order-value/versions/latest', { schema: incompatible, schemaType: 'PROTOBUF' })).body).toEqual({ is_compatible: false });
    expect((await api('POST', '/subjects/proto-order-value/versions', { schema: incompatible, schemaType: 'PROTOBUF' })).status).toBe(409);

    const reformatted = 'syntax = "proto3";\n\npackage com.example;\n\nmessage Order {\n  string id = 1;\n  int64 amount = 2;\n}\n';
    expect((await api('POST', '/subjects/proto-order-value', { schema: reformatted, schemaType: 'PROTOBUF' })).status).toBe(404);
    expect((await api('POST', '/subjects/proto-order-value?normalize=true', { schema: reformatted, schemaType: 'PROTOBUF' })).status).toBe(200);
  });
});

describe('Confluent REST API: schema references', () => {
  const address = avro([{ name: 'city', type: 'string' }], 'Address');
  const customer = (extra: object[] = []) => avro([{ name: 'name', type: 'string' }, { name: 'address', type: 'com.example.Address' }, ...extra], 'Customer');
  const addressRef = [{ name: 'com.example.Address', subject: 'ref-address-value', version: 1 }];

  beforeAll(async () => {
    expect((await api('POST', '/subjects/ref-address-value/versions', { schema: address })).status).toBe(200);
  });

  it('registers an Avro schema that uses a named type from another subject', async () => {
    const registered = await api('POST', '/subjects/ref-customer-value/versions', { schema: customer(), references: addressRef });
    expect(registered.status).toBe(200);
    expect((await api('GET', '/subjects/ref-customer-value/versions/1')).body).toMatchObject({ references: addressRef });
    expect((await api('GET', '/subjects/ref-address-value/versions/1/referencedby')).body).toEqual([registered.body.id]);
    expect((await api('POST', '/subjects/ref-customer-value', { schema: customer(), references: addressRef })).body).toMatchObject({ version: 1, references: addressRef });
    // Without the reference the lookup does not match, and the schema alone does not parse.
    expect((await api('POST', '/subjects/ref-customer-value', { schema: customer() })).status).toBe(404);
    expect(await api('POST', '/subjects/ref-orphan-value/versions', { schema: customer() })).toMatchObject({ status: 422, body: { error_code: 42201 } });
    // A referenced subject cannot be deleted.
    expect(await api('DELETE', '/subjects/ref-address-value')).toMatchObject({ status: 422, body: { error_code: 42206 } });
  });

  it('enforces compatibility on registration with references, but its compatibility endpoint cannot resolve them (422)', async () => {
    await api('POST', '/subjects/ref-customer-value/versions', { schema: customer(), references: addressRef });
    const optional = customer([{ name: 'vip', type: 'boolean', default: false }]);
    const required = customer([{ name: 'age', type: 'int' }]);
    expect(await api('POST', '/compatibility/subjects/ref-customer-value/versions/latest', { schema: optional, references: addressRef })).toMatchObject({
      status: 422,
      body: { error_code: 42201, message: 'Could not execute compatibility rule on invalid Avro schema' },
    });
    expect((await api('POST', '/subjects/ref-customer-value/versions', { schema: required, references: addressRef })).status).toBe(409);
    expect((await api('POST', '/subjects/ref-customer-value/versions', { schema: optional, references: addressRef })).status).toBe(200);
  });

  it('registers Protobuf with an import from another subject, and checks its compatibility', async () => {
    const money = 'syntax = "proto3";\npackage com.example.common;\nmessage Money { int64 units = 1; string currency = 2; }';
    const invoice = (extra = '') => `syntax = "proto3";\npackage com.example;\nimport "common/money.proto";\nmessage Invoice { string id = 1; com.example.common.Money total = 2;${extra} }`;
    const moneyRef = [{ name: 'common/money.proto', subject: 'ref-money-value', version: 1 }];
    expect((await api('POST', '/subjects/ref-money-value/versions', { schema: money, schemaType: 'PROTOBUF' })).status).toBe(200);
    expect((await api('POST', '/subjects/ref-invoice-value/versions', { schema: invoice(), schemaType: 'PROTOBUF', references: moneyRef })).status).toBe(200);
    expect((await api('GET', '/subjects/ref-invoice-value/versions/1')).body).toMatchObject({ references: moneyRef });
    const withNote = invoice(' string note = 3;');
    expect((await api('POST', '/compatibility/subjects/ref-invoice-value/versions/latest', { schema: withNote, schemaType: 'PROTOBUF', references: moneyRef })).body).toEqual({ is_compatible: true });
    // Unlike Avro, an unresolved import is not rejected.
    expect((await api('POST', '/subjects/ref-invoice-orphan-value/versions', { schema: invoice(), schemaType: 'PROTOBUF' })).status).toBe(200);
  });

  it('registers JSON Schema with a $ref to another subject; the compatibility endpoint fails on it with 500', async () => {
    const addressJson = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: 'address.json', type: 'object', properties: { city: { type: 'string' } } });
    const customerJson = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { name: { type: 'string' }, address: { $ref: 'address.json' } } });
    const addressJsonRef = [{ name: 'address.json', subject: 'ref-address-json-value', version: 1 }];
    expect((await api('POST', '/subjects/ref-address-json-value/versions', { schema: addressJson, schemaType: 'JSON' })).status).toBe(200);
    expect((await api('POST', '/subjects/ref-customer-json-value/versions', { schema: customerJson, schemaType: 'JSON', references: addressJsonRef })).status).toBe(200);
    expect((await api('GET', '/subjects/ref-customer-json-value/versions/1')).body).toMatchObject({ schemaType: 'JSON', references: addressJsonRef });
    expect(await api('POST', '/compatibility/subjects/ref-customer-json-value/versions/latest', { schema: customerJson, schemaType: 'JSON', references: addressJsonRef })).toMatchObject({
      status: 500,
      body: { error_code: 0, message: expect.stringContaining('MalformedURLException') },
    });
  });
});

describe('@kafkajs/confluent-schema-registry against the registry', () => {
  const schema = (fields: object[]) => ({ type: SchemaType.AVRO as const, schema: avro(fields, 'Event', 'lib') });

  it('register() on a new subject registers it and then pins the subject level to BACKWARD', async () => {
    const client = new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });
    const { id } = await client.register(schema([ID]), { subject: 'lib-event-value' });
    expect(await api('GET', '/config/lib-event-value')).toEqual({ status: 200, body: { compatibilityLevel: 'BACKWARD' } });
    expect((await client.register(schema([ID]), { subject: 'lib-event-value' })).id).toBe(id);
    expect(await client.getRegistryIdBySchema('lib-event-value', schema([ID]))).toBe(id);
    expect(await client.getLatestSchemaId('lib-event-value')).toBe(id);
    const encoded = await client.encode(id, { id: 'e-1' });
    expect(await client.decode(encoded)).toEqual({ id: 'e-1' });
  });

  it('register() refuses a subject created without a subject level: Apicurio reports NONE, the client expects BACKWARD', async () => {
    await api('POST', '/subjects/lib-rest-created-value/versions', { schema: avro([ID], 'Event', 'lib') });
    const client = new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });
    await expect(client.register(schema([ID]), { subject: 'lib-rest-created-value' })).rejects.toMatchObject({
      name: 'ConfluentSchemaRegistryCompatibilityError',
      message: 'Compatibility does not match the configuration (BACKWARD != NONE)',
    });
  });

  it('register() of an incompatible schema fails with a ResponseError of status 409', async () => {
    const client = new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });
    await client.register(schema([ID]), { subject: 'lib-incompatible-value' });
    await expect(client.register(schema([{ name: 'id', type: 'int' }]), { subject: 'lib-incompatible-value' })).rejects.toMatchObject({
      name: 'ResponseError',
      status: 409,
    });
  });

  it('registers JSON Schema, Protobuf and Avro with references', async () => {
    const client = new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });
    await client.register({ type: SchemaType.AVRO, schema: avro([{ name: 'city', type: 'string' }], 'Place', 'lib') }, { subject: 'lib-place-value' });
    const withReference = await client.register(
      {
        type: SchemaType.AVRO,
        schema: avro([{ name: 'place', type: 'lib.Place' }], 'Visit', 'lib'),
        references: [{ name: 'lib.Place', subject: 'lib-place-value', version: 1 }],
      },
      { subject: 'lib-visit-value' },
    );
    expect(withReference.id).toEqual(expect.any(Number));
    const json = await client.register({ type: SchemaType.JSON, schema: JSON.stringify({ type: 'object', properties: { a: { type: 'string' } } }) }, { subject: 'lib-json-value' });
    expect((await api('GET', `/schemas/ids/${json.id}`)).body).toMatchObject({ schemaType: 'JSON' });
    const proto = await client.register({ type: SchemaType.PROTOBUF, schema: 'syntax = "proto3";\npackage lib;\nmessage P { string a = 1; }' }, { subject: 'lib-proto-value' });
    expect((await api('GET', `/schemas/ids/${proto.id}`)).body).toMatchObject({ schemaType: 'PROTOBUF' });
  });
});

describe('the proxy in front of the registry', () => {
  const credentials = { username: 'synchook', password: 's3cret:with-colon' };
  let proxy: StartedRegistryProxy;

  beforeAll(async () => {
    proxy = await startRegistryProxy({ target: registry.url, basicAuth: credentials });
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

  it('requires HTTP basic auth and answers like Confluent when it is missing or wrong', async () => {
    proxy.clearRequests();
    expect(await api('GET', '/subjects', undefined, proxy.url)).toEqual({ status: 401, body: { error_code: 401, message: 'Unauthorized' } });
    const wrong = `Basic ${Buffer.from('synchook:nope').toString('base64')}`;
    expect((await api('GET', '/subjects', undefined, proxy.url, { Authorization: wrong })).status).toBe(401);
    const allowed = await api('GET', '/config', undefined, proxy.url, { Authorization: authorization });
    expect(allowed).toEqual({ status: 200, body: { compatibilityLevel: 'BACKWARD' } });
    expect(proxy.requests.map((r) => `${r.method} ${r.path} ${r.outcome} ${r.status}`)).toEqual([
      'GET /subjects unauthorized 401',
      'GET /subjects unauthorized 401',
      'GET /config forwarded 200',
    ]);
  });

  it('works with the client library’s basic auth, and the library reports 401 without it', async () => {
    const client = new SchemaRegistry({ host: proxy.url, auth: credentials, retry: { retries: 0 } });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: avro([ID], 'Secured', 'lib') }, { subject: 'proxy-secured-value' });
    expect(id).toEqual(expect.any(Number));
    const anonymous = new SchemaRegistry({ host: proxy.url, retry: { retries: 0 } });
    await expect(anonymous.getLatestSchemaId('proxy-secured-value')).rejects.toMatchObject({ status: 401, unauthorized: true });
  });

  it('injects scripted 500 and 503 answers, then forwards; the library retries 5xx by itself', async () => {
    proxy.clearRequests();
    proxy.setFaults([{ fault: { kind: 'status', status: 503, retryAfterSeconds: 1 }, method: 'GET', path: '/subjects', times: 2 }]);
    const unavailable = await api('GET', '/subjects', undefined, proxy.url, { Authorization: authorization });
    expect(unavailable).toEqual({ status: 503, body: { error_code: 503, message: 'Service unavailable' } });
    expect((await api('GET', '/subjects', undefined, proxy.url, { Authorization: authorization })).status).toBe(503);
    expect((await api('GET', '/subjects', undefined, proxy.url, { Authorization: authorization })).status).toBe(200);

    proxy.clearRequests();
    proxy.setFaults([{ fault: { kind: 'status', status: 500 }, times: 2 }]);
    const client = new SchemaRegistry({ host: proxy.url, auth: credentials, retry: { retries: 3, initialRetryTimeInSecs: 0.05 } });
    expect(await client.getLatestSchemaId('proxy-secured-value')).toEqual(expect.any(Number));
    expect(proxy.requests.map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('injects a delay, a hang and a connection reset', async () => {
    proxy.setFaults([
      { fault: { kind: 'delay', ms: 400 } },
      { fault: { kind: 'hang' } },
      { fault: { kind: 'reset' } },
    ]);
    const started = Date.now();
    expect((await api('GET', '/config', undefined, proxy.url, { Authorization: authorization })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);

    await expect(fetch(`${proxy.url}/config`, { headers: { Authorization: authorization }, signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
    await expect(fetch(`${proxy.url}/config`, { headers: { Authorization: authorization } })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/) }),
    });
    expect((await api('GET', '/config', undefined, proxy.url, { Authorization: authorization })).status).toBe(200);
    expect(proxy.requests.slice(-4).map((r) => r.outcome)).toEqual(['delay', 'hang', 'reset', 'forwarded']);
  });
});
