import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { findFreePort } from '../harness/ports.js';
import { startRegistryProxy, type StartedRegistryProxy } from '../harness/registry-proxy.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { createTopicsAndWait } from '../reliability/support.js';

/**
 * The connectors and connect-health tasks against a real Kafka Connect worker (distributed mode,
 * started by the harness), through the built CLI. The worker is reached through a recording proxy
 * so a test can tell which requests synchook sent, and make the worker answer 409.
 */

const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const id = randomBytes(3).toString('hex');
const prefix = `ct${id}-`;
const topic = `ct${id}.lines`;
const FILE_SOURCE = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
const FILE_SINK = 'org.apache.kafka.connect.file.FileStreamSinkConnector';

let admin: Admin;
let proxy: StartedRegistryProxy;
let dir: string;
let workerUrl: string;

function connectUrl(): string {
  const connect = harness().connect;
  if (!connect) throw new Error('the harness started no Kafka Connect worker');
  return connect.url;
}

/** Writes synchook.yaml and connectors.yaml into a fresh folder; returns the config path. */
function writeEnvironment(connectors: string, options: { section?: string[]; url?: string; extra?: string[] } = {}): string {
  const folder = mkdtempSync(join(dir, 'env-'));
  writeFileSync(join(folder, 'connectors.yaml'), connectors);
  writeFileSync(
    join(folder, 'synchook.yaml'),
    [
      `environment: ct-${id}`,
      'timeout: 90s',
      'cluster:',
      `  brokers: ["${harness().kafka.bootstrap}"]`,
      'connect:',
      '  - name: main',
      `    url: ${options.url ?? proxy.url}`,
      '    retries: 2',
      'connectors:',
      '  files: [connectors.yaml]',
      ...(options.section ?? ['  waitFor: 45s']),
      ...(options.extra ?? []),
      '',
    ].join('\n'),
  );
  return join(folder, 'synchook.yaml');
}

function fileSource(name: string, config: Record<string, string>, extra: string[] = []): string {
  return [
    `  - name: ${name}`,
    `    class: ${FILE_SOURCE}`,
    '    tasksMax: 1',
    ...extra,
    '    config:',
    ...Object.entries(config).map(([key, value]) => `      ${key}: ${JSON.stringify(value)}`),
  ].join('\n');
}

const presync = (config: string) => runCli(['presync', '-c', config]);
const output = (result: CliResult) => `${result.stdout}\n${result.stderr}`;

async function workerStatus(name: string): Promise<{ connector: { state: string }; tasks: { state: string; trace?: string }[] } | undefined> {
  const response = await fetch(`${workerUrl}/connectors/${encodeURIComponent(name)}/status`);
  if (response.status === 404) return undefined;
  return (await response.json()) as { connector: { state: string }; tasks: { state: string }[] };
}

async function workerConfig(name: string): Promise<Record<string, string> | undefined> {
  const response = await fetch(`${workerUrl}/connectors/${encodeURIComponent(name)}/config`);
  return response.status === 404 ? undefined : ((await response.json()) as Record<string, string>);
}

const writes = () => proxy.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);

describe(`connectors on Kafka Connect (Kafka ${VERSION})`, () => {
  beforeAll(async () => {
    workerUrl = connectUrl();
    dir = mkdtempSync(join(tmpdir(), 'synchook-connectors-'));
    proxy = await startRegistryProxy({ target: workerUrl });
    admin = new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 1, replicationFactor: 1 }]);
  });
  afterAll(async () => {
    await admin?.disconnect();
    await proxy?.stop();
  });

  it('creates a connector, reruns without a write, applies a config change with secrets masked and provider references untouched', async () => {
    const name = `${prefix}source`;
    const input = join(dir, 'lines.txt');
    writeFileSync(input, 'one\ntwo\n');
    const secrets = join(dir, 'secrets.properties');
    writeFileSync(secrets, 'pw=resolved-only-by-the-worker\n');
    const reference = `\${file:${secrets}:pw}`;
    const config = writeEnvironment(['connectors:', fileSource(name, { file: input, topic, 'notes.password': 'first-s3cret', 'notes.reference': reference })].join('\n'));

    const created = await presync(config);
    expect(created.code, output(created)).toBe(0);
    expect(output(created)).toContain(`connector ${name} (main)`);
    expect(output(created)).not.toContain('first-s3cret');
    expect(output(created)).not.toContain('resolved-only-by-the-worker');
    expect((await workerStatus(name))?.connector.state).toBe('RUNNING');
    // The worker keeps the reference and resolves it itself.
    expect((await workerConfig(name))?.['notes.reference']).toBe(reference);

    proxy.clearRequests();
    const again = await presync(config);
    expect(again.code, output(again)).toBe(0);
    expect(writes()).toEqual([]);

    const changed = writeEnvironment(['connectors:', fileSource(name, { file: input, topic, 'batch.size': '50', 'notes.password': 'second-s3cret', 'notes.reference': reference })].join('\n'));
    const plan = await runCli(['plan', '-c', changed]);
    expect(plan.code, output(plan)).toBe(0);
    expect(output(plan)).toContain('+ batch.size: "50"');
    expect(output(plan)).toContain('notes.password: (secret changed)');
    expect(output(plan)).not.toMatch(/first-s3cret|second-s3cret/);
    const updated = await presync(changed);
    expect(updated.code, output(updated)).toBe(0);
    expect((await workerConfig(name))?.['batch.size']).toBe('50');
    expect((await workerStatus(name))?.connector.state).toBe('RUNNING');
  });

  it('pauses, stops and resumes a connector as declared', async () => {
    const name = `${prefix}states`;
    const input = join(dir, 'states.txt');
    writeFileSync(input, 'x\n');
    for (const state of ['paused', 'stopped', 'running'] as const) {
      const config = writeEnvironment(['connectors:', fileSource(name, { file: input, topic }, [`    state: ${state}`])].join('\n'));
      const result = await presync(config);
      expect(result.code, output(result)).toBe(0);
      const status = await workerStatus(name);
      expect(status?.connector.state).toBe(state.toUpperCase());
      if (state === 'stopped') expect(status?.tasks).toEqual([]);
      else expect(status?.tasks.every((task) => task.state === state.toUpperCase())).toBe(true);
    }
  });

  it('refuses to delete an undeclared managed connector unless delete: managed', async () => {
    const name = `${prefix}gone`;
    const input = join(dir, 'gone.txt');
    writeFileSync(input, 'x\n');
    expect((await presync(writeEnvironment(['connectors:', fileSource(name, { file: input, topic })].join('\n')))).code).toBe(0);
    // The managed prefix is this connector's own name: the other tests' connectors are not in it.
    const forbidden = await presync(writeEnvironment('connectors: []\n', { section: [`  managedPrefix: "${name}"`] }));
    expect(forbidden.code, output(forbidden)).toBe(1);
    expect(output(forbidden)).toContain(`connector ${name} on Connect cluster main is under managedPrefix ${name}`);
    expect(await workerStatus(name)).toBeDefined();

    const deleted = await presync(writeEnvironment('connectors: []\n', { section: [`  managedPrefix: "${name}"`, '  delete: managed'] }));
    expect(deleted.code, output(deleted)).toBe(0);
    expect(await workerConfig(name)).toBeUndefined();
  });

  it('names each key the worker rejects, and applies nothing when one connector is invalid', async () => {
    const valid = `${prefix}valid-but-held`;
    const invalid = `${prefix}invalid`;
    const config = writeEnvironment(
      ['connectors:', fileSource(valid, { file: join(dir, 'held.txt'), topic }), fileSource(invalid, { file: join(dir, 'x.txt'), 'batch.size': 'lots' })].join('\n'),
      { section: [] },
    );
    const result = await presync(config);
    expect(result.code, output(result)).toBe(1);
    const text = output(result);
    expect(text).toContain(`connector ${invalid} (main)`);
    expect(text).toMatch(/config topic: Missing required configuration "topic"/);
    expect(text).toMatch(/config batch\.size: Invalid value lots/);
    expect(await workerConfig(valid)).toBeUndefined();
    expect(await workerConfig(invalid)).toBeUndefined();
  });

  it('names the plugins the worker has when the class is unknown', async () => {
    const name = `${prefix}unknown`;
    const config = writeEnvironment(['connectors:', `  - name: ${name}`, '    class: org.example.NoSuchConnector', '    config: { topic: x }'].join('\n'), { section: [] });
    const result = await presync(config);
    expect(result.code, output(result)).toBe(1);
    expect(output(result)).toContain('class org.example.NoSuchConnector is not a connector plugin of Connect cluster main');
    expect(output(result)).toContain(FILE_SOURCE);
    expect(output(result)).toContain('org.apache.kafka.connect.mirror.MirrorSourceConnector');
    expect(await workerConfig(name)).toBeUndefined();
  });

  it('fails when a task fails, with the worker trace, and connect-health restarts failed tasks once asked to', async () => {
    const name = `${prefix}sink`;
    const missingDir = join(dir, `not-yet-${id}`);
    const connectors = [
      'connectors:',
      `  - name: ${name}`,
      `    class: ${FILE_SINK}`,
      '    config:',
      `      topics: ${topic}`,
      `      file: ${join(missingDir, 'out.txt')}`,
    ].join('\n');
    const config = writeEnvironment(connectors, { section: [`  managedPrefix: "${name}"`, '  waitFor: 45s'], extra: ['connect-health:', '  waitFor: 20s'] });
    const failed = await presync(config);
    expect(failed.code, output(failed)).toBe(1);
    expect(output(failed)).toMatch(new RegExp(`connector ${name} \\(main\\): task 0 FAILED`));
    expect(output(failed)).toMatch(/ConnectException|NoSuchFileException/);

    const unhealthy = await runCli(['postsync', '-c', config]);
    expect(unhealthy.code, output(unhealthy)).toBe(1);
    expect(output(unhealthy)).toContain('restartFailed');

    mkdirSync(missingDir);
    const restarting = writeEnvironment(connectors, { section: [`  managedPrefix: "${name}"`], extra: ['connect-health:', '  waitFor: 45s', '  restartFailed: true'] });
    proxy.clearRequests();
    const healthy = await runCli(['postsync', '-c', restarting]);
    expect(healthy.code, output(healthy)).toBe(0);
    expect(writes()).toContain(`POST /connectors/${name}/restart`);
    expect((await workerStatus(name))?.tasks.map((task) => task.state)).toEqual(['RUNNING']);
  });

  it('retries while the worker answers 409 during a rebalance', async () => {
    const name = `${prefix}conflict`;
    const input = join(dir, 'conflict.txt');
    writeFileSync(input, 'x\n');
    proxy.clearRequests();
    proxy.setFaults([{ method: 'PUT', path: `/connectors/${name}/config`, times: 3, fault: { kind: 'status', status: 409, message: 'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)' } }]);
    try {
      const result = await presync(writeEnvironment(['connectors:', fileSource(name, { file: input, topic })].join('\n')));
      expect(result.code, output(result)).toBe(0);
    } finally {
      proxy.setFaults([]);
    }
    expect(proxy.requests.filter((request) => request.path === `/connectors/${name}/config` && request.method === 'PUT').map((request) => request.status)).toEqual([409, 409, 409, 201]);
    expect((await workerStatus(name))?.connector.state).toBe('RUNNING');
  });

  it('reads Strimzi KafkaConnector resources in v1beta2 and v1', async () => {
    const input = join(dir, 'strimzi.txt');
    writeFileSync(input, 'x\n');
    const resource = (apiVersion: string, name: string, spec: string[]) =>
      [`apiVersion: ${apiVersion}`, 'kind: KafkaConnector', 'metadata:', `  name: ${name}`, '  labels:', '    strimzi.io/cluster: main', 'spec:', `  class: ${FILE_SOURCE}`, '  tasksMax: 1', ...spec, '  config:', `    file: ${input}`, `    topic: ${topic}`].join('\n');
    const beta = `${prefix}strimzi-beta`;
    const v1 = `${prefix}strimzi-v1`;
    const config = writeEnvironment([resource('kafka.strimzi.io/v1beta2', beta, ['  pause: true']), '---', resource('kafka.strimzi.io/v1', v1, ['  state: stopped']), '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: other }'].join('\n'));
    const result = await presync(config);
    expect(result.code, output(result)).toBe(0);
    expect((await workerStatus(beta))?.connector.state).toBe('PAUSED');
    expect((await workerStatus(v1))?.connector.state).toBe('STOPPED');
    expect((await workerConfig(v1))?.['tasks.max']).toBe('1');
    proxy.clearRequests();
    expect((await presync(config)).code).toBe(0);
    expect(writes()).toEqual([]);
  });

  it('doctor lists the Connect cluster\'s version and connector plugins', async () => {
    const result = await runCli(['doctor', '-c', writeEnvironment('connectors: []\n', { section: [] })]);
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain('ok    connect main');
    expect(result.stdout).toContain(`version: ${harness().connect!.version}`);
    expect(result.stdout).toContain(FILE_SINK);
    expect(result.stdout).toContain('org.apache.kafka.connect.mirror.MirrorSourceConnector');
  });

  it('exits 3 within the deadline when the worker cannot be reached', async () => {
    const port = await findFreePort();
    const config = writeEnvironment(['connectors:', fileSource(`${prefix}nowhere`, { file: '/tmp/x', topic })].join('\n'), { url: `http://127.0.0.1:${port}`, section: [] });
    const result = await presync(config);
    expect(result.code, output(result)).toBe(3);
    expect(output(result)).toContain(`cannot reach Connect cluster main at http://127.0.0.1:${port}`);
    expect(result.durationMs).toBeLessThan(90_000);
  });
});
