import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaAdmin } from '../../src/clients/kafka/admin.js';
import { describeAcl, readClusterAcls } from '../../src/tasks/acls/index.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/tasks/shared/kafka-enums.js';
import { harness } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';

/**
 * A team deploys with nothing but its AsyncAPI document and a synchook.yaml pointing at it:
 * topics from the channels' Kafka bindings, subjects from the messages, ACLs from the operations.
 */

const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `aa${randomBytes(3).toString('hex')}`;
const PRINCIPAL = `User:${RUN}-orders`;
const FIXTURES = new URL('../fixtures/asyncapi/', import.meta.url).pathname;

let admin: Admin;

beforeAll(async () => {
  admin = new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

afterAll(async () => {
  const any = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
  await admin.deleteAcls({ filters: [{ ...any, principal: PRINCIPAL }] }).catch(() => undefined);
  const { topics } = await admin.fetchTopicMetadata();
  const ours = topics.map((topic) => topic.name).filter((name) => name.startsWith(RUN));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await admin.disconnect();
});

/** A 3.0 document: an Avro payload with a key, a JSON Schema payload, a producer and a consumer operation. */
function document(extraChannel = ''): string {
  return `asyncapi: 3.0.0
info: { title: Orders, version: 1.0.0 }
x-synchook-principal: "${PRINCIPAL}"
channels:
  orders:
    address: ${RUN}.orders.v1
    bindings:
      kafka:
        partitions: 3
        replicas: 1
        topicConfiguration:
          cleanup.policy: [delete]
          retention.ms: 604800000
          max.message.bytes: 2097152
        bindingVersion: 0.5.0
    messages:
      placed:
        bindings:
          kafka:
            key: { type: string }
            bindingVersion: 0.5.0
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema:
            $ref: './schemas/order-placed.avsc'
  audit:
    address: ${RUN}.orders.audit
    bindings:
      kafka:
        partitions: 1
        topicConfiguration:
          cleanup.policy: [compact]
        bindingVersion: 0.5.0
    messages:
      entry:
        payload:
          type: object
          properties:
            orderId: { type: string }
${extraChannel}
operations:
  placeOrder:
    action: send
    channel: { $ref: '#/channels/orders' }
  readAudit:
    action: receive
    channel: { $ref: '#/channels/audit' }
    bindings:
      kafka:
        groupId: { type: string, enum: [${RUN}-audit] }
        bindingVersion: 0.5.0
`;
}

function workspace(doc: string, files: Record<string, string> = {}, sections = 'topics: {}\nschemas: {}\nacls: {}\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-asyncapi-it-'));
  cpSync(join(FIXTURES, 'schemas'), join(dir, 'schemas'), { recursive: true });
  cpSync(join(FIXTURES, 'bad'), join(dir, 'bad'), { recursive: true });
  writeFileSync(join(dir, 'orders.yaml'), doc);
  writeFileSync(
    join(dir, 'synchook.yaml'),
    `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\n  retries: 2\nregistry:\n  url: ${harness().registry.url}\n  retries: 2\nasyncapi:\n  documents:\n    - file: orders.yaml\n${sections}`,
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const cli = (dir: string, ...args: string[]) => runCli([...args, '-c', join(dir, 'synchook.yaml')], { killAfterMs: 240_000 });

interface PlanJson {
  exitCode: number;
  tasks: Array<{ task: string; changes: Array<{ resource: string; lines?: string[]; detail?: string }>; violations: Array<{ resource: string; message: string }> }>;
}

async function subjectVersions(subject: string): Promise<number[]> {
  const response = await fetch(`${harness().registry.url}/subjects/${encodeURIComponent(subject)}/versions`);
  return response.status === 404 ? [] : ((await response.json()) as number[]);
}

async function topicConfig(topic: string, keys: string[]): Promise<Record<string, string>> {
  const described = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: keys }], includeSynonyms: false });
  return Object.fromEntries(described.resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]));
}

describe(`AsyncAPI documents as desired state against Kafka ${VERSION} and the registry`, () => {
  it('plans with the document and JSON path of each resource, applies topics, subjects and ACLs, and a rerun is a no-op', async () => {
    const dir = workspace(document());

    const plan = await cli(dir, 'plan', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as PlanJson;
    const changes = Object.fromEntries(planned.tasks.map((task) => [task.task, task.changes]));
    expect(changes.topics!.find((change) => change.resource === `topic ${RUN}.orders.v1`)!.lines).toContain('from orders.yaml $.channels.orders');
    expect(changes.schemas!.find((change) => change.resource === `subject ${RUN}.orders.v1-value`)!.detail).toBe('new AVRO subject from orders.yaml $.channels.orders.messages.placed.payload');
    expect(changes.schemas!.find((change) => change.resource === `subject ${RUN}.orders.v1-key`)!.detail).toBe('new AVRO subject from orders.yaml $.channels.orders.messages.placed.bindings.kafka.key');
    expect(changes.acls!.find((change) => change.resource === `acl ALLOW ${PRINCIPAL} READ GROUP ${RUN}-audit`)!.detail).toContain('from orders.yaml $.operations.readAudit');

    const presync = await cli(dir, 'presync');
    expect(presync.code, presync.stderr).toBe(0);
    const metadata = await admin.fetchTopicMetadata({ topics: [`${RUN}.orders.v1`, `${RUN}.orders.audit`] });
    expect(Object.fromEntries(metadata.topics.map((topic) => [topic.name, topic.partitions.length]))).toEqual({ [`${RUN}.orders.v1`]: 3, [`${RUN}.orders.audit`]: 1 });
    expect(await topicConfig(`${RUN}.orders.v1`, ['cleanup.policy', 'retention.ms', 'max.message.bytes'])).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '604800000', 'max.message.bytes': '2097152' });
    expect(await topicConfig(`${RUN}.orders.audit`, ['cleanup.policy'])).toEqual({ 'cleanup.policy': 'compact' });
    expect(await subjectVersions(`${RUN}.orders.v1-value`)).toEqual([1]);
    expect(await subjectVersions(`${RUN}.orders.v1-key`)).toEqual([1]);
    expect(await subjectVersions(`${RUN}.orders.audit-value`)).toEqual([1]);
    const perItem = createKafkaAdmin(new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }), { retries: 2 });
    const { bindings } = await readClusterAcls(perItem).finally(() => perItem.close());
    expect(bindings.filter((binding) => binding.principal === PRINCIPAL).map(describeAcl).sort()).toEqual(
      [
        `ALLOW ${PRINCIPAL} DESCRIBE TOPIC ${RUN}.orders.audit`,
        `ALLOW ${PRINCIPAL} DESCRIBE TOPIC ${RUN}.orders.v1`,
        `ALLOW ${PRINCIPAL} READ GROUP ${RUN}-audit`,
        `ALLOW ${PRINCIPAL} READ TOPIC ${RUN}.orders.audit`,
        `ALLOW ${PRINCIPAL} WRITE TOPIC ${RUN}.orders.v1`,
      ].sort(),
    );

    const rerun = await cli(dir, 'plan', '--format', 'json');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((JSON.parse(rerun.stdout) as PlanJson).tasks.map((task) => [task.task, task.changes.length])).toEqual([
      ['schemas', 0],
      ['topics', 0],
      ['acls', 0],
    ]);
    const again = await cli(dir, 'presync');
    expect(again.code, again.stderr).toBe(0);
    expect(await subjectVersions(`${RUN}.orders.v1-value`)).toEqual([1]);
  });

  it('refuses a topic declared in a topic file and in the document with different settings, and applies nothing', async () => {
    const extra = `  extra:\n    address: ${RUN}.orders.extra\n    bindings:\n      kafka:\n        partitions: 1\n        bindingVersion: 0.5.0\n`;
    const dir = workspace(document(extra), { 'topics.yaml': `topics:\n  - name: ${RUN}.orders.v1\n    partitions: 6\n` }, 'topics:\n  files: [topics.yaml]\nschemas: {}\nacls: {}\n');
    const presync = await cli(dir, 'presync');
    expect(presync.code, presync.stdout + presync.stderr).toBe(1);
    expect(presync.stdout + presync.stderr).toContain(`partitions is 6 at topics.yaml:2:5 but 3 at orders.yaml $.channels.orders.bindings.kafka.partitions`);
    const { topics } = await admin.fetchTopicMetadata();
    expect(topics.map((topic) => topic.name)).not.toContain(`${RUN}.orders.extra`);
  });

  it.each([
    ['bad/invalid-binding-2.6.yaml', "bad/invalid-binding-2.6.yaml $.channels.orders.bindings.kafka.topicConfiguration['cleanup.policy'][0]: expected compact or delete"],
    ['bad/unknown-format.yaml', "bad/unknown-format.yaml $.channels['asyncapi.bad.unknown'].subscribe.message.schemaFormat: schemaFormat application/vnd.example.thrift;version=1 is not one synchook reads"],
    ['bad/ref-outside.yaml', 'bad/ref-outside.yaml $.channels.orders.messages.placed.payload.$ref: $ref ../schemas/order-placed.avsc'],
  ])('presync exits 2 on %s, naming the file and the JSON path', async (file, expected) => {
    const dir = workspace(document());
    // The folder holding the bad document is the config folder: ../schemas lies outside it.
    writeFileSync(join(dir, 'bad', 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\nregistry:\n  url: ${harness().registry.url}\nasyncapi:\n  documents:\n    - file: ${file.replace('bad/', '')}\ntopics: {}\nschemas: {}\nacls: {}\n`);
    const run = await runCli(['presync', '-c', join(dir, 'bad', 'synchook.yaml')], { killAfterMs: 240_000 });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout + run.stderr).toContain(expected.replace('bad/', ''));
  });
});
