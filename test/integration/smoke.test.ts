import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, type Clients } from '../../src/clients/index.js';
import { ClusterConfig, RegistryConfig } from '../../src/config/common.js';
import type { SynchookConfig } from '../../src/synchook-config.js';
import { parseDuration } from '../../src/duration.js';
import { SynchookError, UnreachableError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { smokeTask } from '../../src/tasks/smoke/index.js';
import { PROBE_HEADER } from '../../src/tasks/smoke/records.js';
import type { TaskContext, TaskOutcome } from '../../src/tasks/types.js';
import { harness } from '../harness/index.js';
import { startKafka } from '../harness/kafka.js';
import { runCli } from '../harness/run-cli.js';

const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const log = createLogger({ level: 'silent' });

interface Setup {
  config: SynchookConfig;
  clients: Clients;
  dir: string;
}

function setup(brokers: string, clusterExtra: Record<string, unknown> = {}): Setup {
  const { registry } = harness();
  const dir = mkdtempSync(join(tmpdir(), 'synchook-smoke-'));
  const config = {
    environment: 'it',
    timeout: 120_000,
    cluster: ClusterConfig.parse({ brokers: [brokers], ...clusterExtra }),
    registry: RegistryConfig.parse({ url: registry.url }),
  } as SynchookConfig;
  return { config, clients: createClients(config, dir, log), dir };
}

function context(env: Setup, deadlineMs = 60_000, signal = new AbortController().signal): TaskContext {
  const at = Date.now() + deadlineMs;
  return { config: env.config, configDir: env.dir, log, signal, deadline: { at, remaining: () => Math.max(0, at - Date.now()) }, clients: env.clients };
}

/** The section as the runner hands it over: the task's own keys plus the common `timeout`. */
function runSmoke(env: Setup, section: Record<string, unknown>, deadlineMs?: number): Promise<TaskOutcome> {
  const { timeout, ...own } = section;
  const parsed = { ...smokeTask.configSchema.parse(own), ...(typeof timeout === 'string' ? { timeout: parseDuration(timeout) } : {}) };
  return smokeTask.run(context(env, deadlineMs), parsed);
}

let topicCounter = 0;
const uniqueTopic = (prefix: string) => `${prefix}.${Date.now().toString(36)}.${(topicCounter += 1)}`;

async function probeGroups(admin: Admin): Promise<string[]> {
  const { groups } = await admin.listGroups();
  return groups.map((group) => group.groupId).filter((id) => id.startsWith('synchook-smoke-'));
}

/** Reads every record of a topic with an independent consumer, the way another application would. */
async function readTopic(bootstrap: string, topic: string, count: number): Promise<Array<{ value: Buffer; headers: Record<string, string> }>> {
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const groupId = `reader-${Date.now().toString(36)}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  const records: Array<{ value: Buffer; headers: Record<string, string> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${records.length}/${count} records of ${topic}`)), 30_000);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(message.headers ?? {})) headers[key] = String(value);
        records.push({ value: message.value ?? Buffer.alloc(0), headers });
        if (records.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  return records;
}

describe(`smoke probe against Kafka ${VERSION} and the registry`, () => {
  let env: Setup;
  let admin: Admin;

  beforeAll(async () => {
    env = setup(harness().kafka.bootstrap);
    admin = await env.clients.admin();
  });
  afterAll(async () => {
    await env.clients.close();
  });

  it('produces to every partition of a probe topic it creates, reads everything back, and reports the figures', async () => {
    const topic = uniqueTopic('probe');
    const outcome = await runSmoke(env, { topic, messages: 90, partitions: 3 });
    expect(outcome.violations).toEqual([]);
    expect(outcome.summary).toMatch(/^90\/90 msgs, p99 \d+ ms, ack p99 \d+ ms, 3 partitions$/);
    expect(outcome.figures).toMatchObject({ sent: 90, received: 90, lost: 0, duplicates: 0, outOfOrder: 0, partitions: 3 });
    expect(outcome.details?.join('\n')).toMatch(/end-to-end\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+\d+ ms/);
    expect(outcome.details?.join('\n')).toMatch(/received\s+30\/30\s+30\/30\s+30\/30/);
    // The probe topic is bounded: an hour of retention, small segments, a size cap.
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['retention.ms', 'retention.bytes', 'segment.bytes'] }], includeSynonyms: false });
    const entries = Object.fromEntries(described.resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]));
    expect(entries).toEqual({ 'retention.ms': '3600000', 'retention.bytes': '16777216', 'segment.bytes': '1048576' });
    // Nothing is left behind: the run's consumer group is deleted and never committed anything.
    expect(await probeGroups(admin)).toEqual([]);
  });

  it('covers every partition after a partition increase', async () => {
    const topic = uniqueTopic('probe.grow');
    const first = await runSmoke(env, { topic, messages: 30, partitions: 2 });
    expect(first.figures).toMatchObject({ partitions: 2, received: 30 });
    await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] });
    const second = await runSmoke(env, { topic, messages: 50 });
    expect(second.violations).toEqual([]);
    expect(second.figures).toMatchObject({ partitions: 5, sent: 50, received: 50 });
    expect(second.details?.join('\n')).toMatch(/received\s+10\/10\s+10\/10\s+10\/10\s+10\/10\s+10\/10/);
    expect(await probeGroups(admin)).toEqual([]);
  });

  it('fails with the measured figures when a latency threshold is breached', async () => {
    const outcome = await runSmoke(env, { topic: uniqueTopic('probe.slow'), messages: 20, thresholds: { maxP99: '0ms', maxProduceP99: '0ms' } });
    const messages = (outcome.violations ?? []).map((violation) => violation.message);
    expect(messages.some((message) => /^end-to-end p99 latency \d+ ms is above the limit of 0 ms \(over 20 records\)\.$/.test(message))).toBe(true);
    expect(messages.some((message) => /^produce-ack p99 latency \d+ ms is above the limit of 0 ms/.test(message))).toBe(true);
    expect(outcome.summary).toMatch(/^20\/20 msgs/);
  });

  it('round-trips Avro records through the real registry in the Confluent wire format', async () => {
    const { registry, kafka } = harness();
    const topic = uniqueTopic('probe.avro');
    const subject = `${topic}-value`;
    const schema = {
      type: 'record',
      name: 'OrderPlaced',
      namespace: 'dev.synchook.it',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'double' },
        { name: 'quantity', type: 'int' },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
      ],
    };
    const registeredId = await env.clients.registry().register(subject, { schema: JSON.stringify(schema) });
    const outcome = await runSmoke(env, { topic, messages: 30, serde: { type: 'AVRO', subject } });
    expect(outcome.violations).toEqual([]);
    expect(outcome.summary).toContain(`AVRO ${subject} v1`);
    expect(outcome.details?.[0]).toContain(`(schema id ${registeredId})`);

    // Another client reads the records: magic byte 0, the registered id, a decodable Avro record.
    const records = await readTopic(kafka.bootstrap, topic, 30);
    const independent = new SchemaRegistry({ host: registry.url });
    for (const record of records.slice(0, 5)) {
      expect(record.value.readUInt8(0)).toBe(0);
      expect(record.value.readInt32BE(1)).toBe(registeredId);
      const decoded = (await independent.decode(record.value)) as Record<string, unknown>;
      expect(typeof decoded.id).toBe('string');
      expect(['NEW', 'PAID']).toContain(decoded.status);
      expect(record.headers[PROBE_HEADER]).toMatch(/^[a-z0-9]+-[0-9a-f]{6}$/);
    }
  });

  it('round-trips JSON Schema and Protobuf records, Protobuf with Confluent message indexes', async () => {
    const { kafka } = harness();
    const jsonTopic = uniqueTopic('probe.json');
    const jsonSchema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { id: { type: 'string', format: 'uuid' }, placedAt: { type: 'string', format: 'date-time' }, total: { type: 'number', minimum: 1 }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['id', 'placedAt', 'total'],
      additionalProperties: false,
    };
    await env.clients.registry().register(`${jsonTopic}-value`, { schemaType: 'JSON', schema: JSON.stringify(jsonSchema) });
    const json = await runSmoke(env, { topic: jsonTopic, messages: 12, serde: { type: 'JSON', subject: `${jsonTopic}-value` } });
    expect(json.violations).toEqual([]);
    expect(json.figures).toMatchObject({ received: 12 });

    const protoTopic = uniqueTopic('probe.proto');
    const proto = 'syntax = "proto3";\npackage dev.synchook.it;\nmessage Envelope { string id = 1; Line line = 2; }\nmessage Line { string sku = 1; int32 quantity = 2; Kind kind = 3; repeated string tags = 4; map<string, int64> counts = 5; }\nenum Kind { KIND_UNSPECIFIED = 0; KIND_BOOK = 1; }\n';
    const protoId = await env.clients.registry().register(`${protoTopic}-value`, { schemaType: 'PROTOBUF', schema: proto });
    const protobuf = await runSmoke(env, { topic: protoTopic, messages: 12, serde: { type: 'PROTOBUF', subject: `${protoTopic}-value`, message: 'Line' } });
    expect(protobuf.violations).toEqual([]);
    expect(protobuf.details?.[0]).toContain('message dev.synchook.it.Line');
    const [record] = await readTopic(kafka.bootstrap, protoTopic, 1);
    expect(record!.value.readInt32BE(1)).toBe(protoId);
    // Line is the second top-level message: indexes [1] are a count of 1 and index 1, zigzag-encoded.
    expect([...record!.value.subarray(5, 7)]).toEqual([2, 2]);
  });

  it('names the sample file, line and field when the sample does not match the schema', async () => {
    const topic = uniqueTopic('probe.sample');
    const subject = `${topic}-value`;
    await env.clients.registry().register(subject, {
      schema: JSON.stringify({ type: 'record', name: 'Sample', fields: [{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }] }),
    });
    writeFileSync(join(env.dir, 'sample.yaml'), 'id: order-1\ncount: not-a-number\n');
    const error = await runSmoke(env, { topic, serde: { type: 'AVRO', subject, sampleFile: 'sample.yaml' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SynchookError);
    expect((error as SynchookError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/^sample\.yaml:2:8: the sample record is not valid for AVRO .* \(at count\)\. Fix sample\.yaml/);
  });

  it('fails when the subject is not registered, before producing anything', async () => {
    const topic = uniqueTopic('probe.nosubject');
    const error = await runSmoke(env, { topic, serde: { type: 'AVRO', subject: `${topic}-value` } }).catch((caught: unknown) => caught);
    expect((error as SynchookError).exitCode).toBe(1);
    expect((error as Error).message).toContain(`subject ${topic}-value has no version latest`);
    expect((await admin.listTopics()).includes(topic)).toBe(false);
  });

  it('probes an application topic with marked records and never creates a missing one', async () => {
    const topic = uniqueTopic('app.orders');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const outcome = await runSmoke(env, { mode: 'application-topic', topic, messages: 10 });
    expect(outcome.violations).toEqual([]);
    const records = await readTopic(harness().kafka.bootstrap, topic, 10);
    expect(records.every((record) => record.headers[PROBE_HEADER] === outcome.figures?.runId)).toBe(true);

    const missing = uniqueTopic('app.missing');
    const error = await runSmoke(env, { mode: 'application-topic', topic: missing }).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain(`topic ${missing} does not exist; application-topic mode`);
    expect((await admin.listTopics()).includes(missing)).toBe(false);
  });
});

describe(`smoke probe with least privilege over SASL_SSL (Kafka ${VERSION})`, () => {
  it('says which permission is missing, and passes with exactly the documented ACLs', async () => {
    const { kafka } = harness();
    const user = kafka.users.app!;
    const env = setup(kafka.saslBootstrap, { tls: { caFile: kafka.caFile }, sasl: { mechanism: 'scram-sha-512', username: user.username, password: user.password }, retries: 1 });
    const superAdmin = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await superAdmin.connect();
    const topic = uniqueTopic('probe.acl');
    const principal = `User:${user.username}`;
    const acl = (resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes, pattern = ResourcePatternTypes.LITERAL) => ({
      resourceType,
      resourceName,
      resourcePatternType: pattern,
      principal,
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    const granted = [
      acl(AclResourceTypes.TOPIC, topic, AclOperationTypes.CREATE),
      acl(AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE),
      acl(AclResourceTypes.TOPIC, topic, AclOperationTypes.READ),
      acl(AclResourceTypes.GROUP, 'synchook-smoke-', AclOperationTypes.READ, ResourcePatternTypes.PREFIXED),
      acl(AclResourceTypes.GROUP, 'synchook-smoke-', AclOperationTypes.DELETE, ResourcePatternTypes.PREFIXED),
    ];
    try {
      const denied = await runSmoke(env, { topic, messages: 10 }).catch((caught: unknown) => caught);
      // A permission synchook's own principal lacks is exit 1 in PostSync as in PreSync.
      expect((denied as SynchookError).exitCode).toBe(1);
      expect((denied as Error).message).toContain(`cannot create probe topic ${topic}`);
      expect((denied as Error).message).toContain(`Grant the synchook principal CREATE on topic ${topic}`);

      await superAdmin.createAcls({ acl: granted });
      const outcome = await runSmoke(env, { topic, messages: 30 });
      expect(outcome.violations).toEqual([]);
      expect(outcome.figures).toMatchObject({ received: 30 });
      expect(await probeGroups(superAdmin)).toEqual([]);
    } finally {
      await superAdmin.deleteAcls({ filters: granted });
      await superAdmin.disconnect();
      await env.clients.close();
    }
  });
});

describe(`synchook postsync with smoke and health (Kafka ${VERSION})`, () => {
  it('passes against the harness, prints the figures and leaves no probe group behind', async () => {
    const { kafka } = harness();
    const dir = mkdtempSync(join(tmpdir(), 'synchook-postsync-'));
    const topic = uniqueTopic('cli.probe');
    writeFileSync(
      join(dir, 'synchook.yaml'),
      [
        'environment: ci',
        'cluster:',
        `  brokers: ["${kafka.bootstrap}"]`,
        'smoke:',
        `  topic: ${topic}`,
        '  messages: 300',
        '  thresholds: { maxP99: 10s }',
        'health:',
        `  topics: [{ name: ${topic}, partitions: 3 }]`,
        '',
      ].join('\n'),
    );
    const result = await runCli(['postsync', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 90_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok\s+smoke\s+300\/300 msgs, p99 \d+ ms, ack p99 \d+ ms, 3 partitions/);
    expect(result.stdout).toMatch(/end-to-end\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+\d+ ms/);
    expect(result.stdout).toMatch(/ok\s+health\s+1\/1 topics ok \(3 partitions\)/);
    const admin = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    expect(await probeGroups(admin)).toEqual([]);
    await admin.disconnect();
  });

  it('exits 1 with the numbers in the message when a threshold is breached', async () => {
    const { kafka } = harness();
    const dir = mkdtempSync(join(tmpdir(), 'synchook-postsync-'));
    writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${kafka.bootstrap}"]\nsmoke:\n  topic: ${uniqueTopic('cli.slow')}\n  messages: 20\n  thresholds: { maxP99: 0ms }\n`);
    const result = await runCli(['postsync', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 90_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/! topic cli\.slow\.[a-z0-9.]+: end-to-end p99 latency \d+ ms is above the limit of 0 ms \(over 20 records\)\. \(rule max-p99\)/);
    expect(result.stdout).toMatch(/FAILED\s+smoke\s+20\/20 msgs/);
  });
});

describe(`smoke probe when the broker dies (Kafka ${VERSION})`, () => {
  it('ends with exit 3 naming the address when no broker listens', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const env = setup(`127.0.0.1:${port}`, { connectionTimeout: '1s', retries: 1 });
    const started = Date.now();
    const error = await runSmoke(env, { timeout: '15s' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(15_000);
    await env.clients.close();
  });

  it('ends with exit 3 naming the broker within its timeout when the broker is killed mid-probe', async () => {
    const kafka = await startKafka({ version: VERSION });
    const env = setup(kafka.bootstrap, { connectionTimeout: '1s', requestTimeout: '3s', retries: 2 });
    try {
      const watcher = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
      await watcher.connect();
      const topic = 'probe.killed';
      // Enough small batches that the probe is still producing when the broker goes away.
      const running = runSmoke(env, { topic, messages: 200_000, batchSize: 20, timeout: '20s' }, 60_000).then(
        () => undefined,
        (error: unknown) => error,
      );
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const offsets = await watcher.fetchTopicOffsets(topic).catch(() => []);
        if (offsets.some((partition) => Number(partition.high) > 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await watcher.disconnect();
      const killedAt = Date.now();
      await kafka.kill();
      const error = await running;
      const elapsed = Date.now() - killedAt;
      expect(error).toBeInstanceOf(UnreachableError);
      expect((error as UnreachableError).exitCode).toBe(3);
      expect((error as Error).message).toContain(kafka.bootstrap);
      expect((error as Error).message).toMatch(/cannot produce the probe records|probe records acknowledged by Kafka/);
      // Well within the 20 s probe timeout: no hang on a dead broker.
      expect(elapsed).toBeLessThan(20_000);
    } finally {
      await env.clients.close();
      await kafka.stop();
    }
  });
});
