import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clients } from '../../src/clients/index.js';
import { createKafka } from '../../src/clients/kafka.js';
import { createKafkaAdmin, type KafkaAdmin } from '../../src/clients/kafka/admin.js';
import { loadConfig } from '../../src/synchook-config.js';
import { createLogger } from '../../src/log.js';
import type { RunSummary } from '../../src/report/types.js';
import { runPhase } from '../../src/runner.js';
import { aclsTask, describeAcl, readClusterAcls, toAclEntry, type AclBinding } from '../../src/tasks/acls/index.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/tasks/shared/kafka-enums.js';
import { topicsTask } from '../../src/tasks/topics/index.js';
import { harness } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';

const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `it${randomBytes(3).toString('hex')}`;
const ACL_WRITES = ['CreateAcls', 'DeleteAcls'];

let admin: Admin;
/** The same cluster through synchook's admin module, to read and write ACLs as bindings. */
let observer: KafkaAdmin;
const principalsUsed = new Set<string>();

beforeAll(async () => {
  const kafka = new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  observer = createKafkaAdmin(kafka, { retries: 3 });
});

afterAll(async () => {
  const any = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
  if (principalsUsed.size > 0) await admin.deleteAcls({ filters: [...principalsUsed].map((principal) => ({ ...any, principal })) }).catch(() => undefined);
  const { topics } = await admin.fetchTopicMetadata();
  const ours = topics.map((topic) => topic.name).filter((name) => name.startsWith(RUN));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await Promise.all([admin.disconnect(), observer.close()]);
});

function workspace(sections: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-acls-it-'));
  writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\n  retries: 2\n${sections}`);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function cli(dir: string, command: string) {
  return runCli([command, '-c', join(dir, 'synchook.yaml')]);
}

async function runCounted(dir: string): Promise<{ summary: RunSummary; requests: string[] }> {
  const log = createLogger({ level: 'silent' });
  const loaded = loadConfig(join(dir, 'synchook.yaml'), {});
  const kafka = createKafka(loaded.config.cluster!, { dir, log });
  const counted = kafka.admin();
  const requests: string[] = [];
  counted.on(counted.events.REQUEST, (event) => requests.push(event.payload.apiName));
  await counted.connect();
  const perItem = createKafkaAdmin(kafka, { retries: 3, onRequest: (name) => requests.push(name) });
  const clients: Clients = { kafka: () => kafka, admin: async () => counted, kafkaAdmin: () => perItem, registry: () => { throw new Error('no registry in this test'); }, close: async () => undefined };
  try {
    return { summary: await runPhase({ mode: 'presync', loaded, log, clients, tasks: [topicsTask, aclsTask] }), requests };
  } finally {
    await Promise.all([counted.disconnect(), perItem.close()]);
  }
}

async function aclsOf(principal: string): Promise<string[]> {
  const { bindings } = await readClusterAcls(observer);
  return bindings.filter((binding) => binding.principal === principal).map(describeAcl).sort();
}

describe(`acls task against Kafka ${VERSION} (StandardAuthorizer)`, () => {
  it('expands an application into its ACLs, shows the expansion, and the grant lets the application produce', async () => {
    const { kafka } = harness();
    const principal = `User:${kafka.users.app!.username}`;
    principalsUsed.add(principal);
    const topic = `${RUN}.orders.v1`;
    const dir = workspace(`topics:\n  files: [topics.yaml]\nacls:\n  files: [acls.yaml]\n  managedPrincipals: [${principal}]\n`, {
      'topics.yaml': `topics:\n  - name: ${topic}\n    partitions: 1\n  - name: ${RUN}.payments.v1\n`,
      'acls.yaml': `applications:\n  - principal: ${principal}\n    produces: [${topic}]\n    consumes: [${RUN}.payments.v1]\n    groups: [${RUN}-orders-app]\n`,
    });
    const producer = new Kafka({
      brokers: [kafka.saslBootstrap],
      ssl: { ca: [readFileSync(kafka.caFile, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username: kafka.users.app!.username, password: kafka.users.app!.password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 1 },
    }).producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });

    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
    await producer.connect();
    try {
      // Without ACLs the broker refuses the application (allow.everyone.if.no.acl.found=false).
      await expect(producer.send({ topic, messages: [{ value: 'too early' }] })).rejects.toThrow();
    } finally {
      await producer.disconnect();
    }

    const plan = await cli(dir, 'plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`+ acl ALLOW ${principal} WRITE TOPIC ${topic}: produces ${topic} (application ${principal})`);
    expect(plan.stdout).toContain(`+ acl ALLOW ${principal} READ GROUP ${RUN}-orders-app: consumer group ${RUN}-orders-app (application ${principal})`);

    const applied = await cli(dir, 'presync');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('5 ACLs created');
    expect(await aclsOf(principal)).toEqual(
      [
        `ALLOW ${principal} DESCRIBE TOPIC ${RUN}.payments.v1`,
        `ALLOW ${principal} DESCRIBE TOPIC ${topic}`,
        `ALLOW ${principal} READ GROUP ${RUN}-orders-app`,
        `ALLOW ${principal} READ TOPIC ${RUN}.payments.v1`,
        `ALLOW ${principal} WRITE TOPIC ${topic}`,
      ].sort(),
    );

    // The ACLs are the ones Kafka checks: the application can now produce to its topic.
    await producer.connect();
    try {
      const [record] = await producer.send({ topic, messages: [{ value: 'hello' }] });
      expect(record!.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }

    const again = await runCounted(dir);
    expect(again.summary.exitCode).toBe(0);
    expect(again.summary.results.map((result) => result.summary)).toEqual(['no changes (2 topics declared)', 'no changes (5 ACLs declared)']);
    expect(again.requests.filter((name) => ACL_WRITES.includes(name))).toEqual([]);
  });

  it('removes undeclared ACLs of managed principals only with delete: managed, and never touches other principals', async () => {
    const principal = `User:${RUN}-svc`;
    const bystander = `User:${RUN}-bystander`;
    principalsUsed.add(principal).add(bystander);
    const other: AclBinding = { principal: bystander, host: '*', resourceType: 'TOPIC', resourceName: `${RUN}.x`, patternType: 'LITERAL', operation: 'READ', permission: 'ALLOW' };
    expect(await observer.createAcls([toAclEntry(other)])).toEqual([{ ok: true }]);

    const acls = (consumes: string) => `applications:\n  - principal: ${principal}\n    produces: [{ prefix: "${RUN}.svc." }]\n${consumes}acls:\n  - principal: ${principal}\n    resourceType: CLUSTER\n    operation: IdempotentWrite\n`;
    const dir = workspace(`acls:\n  files: [acls.yaml]\n`, { 'acls.yaml': acls(`    consumes: [${RUN}.in]\n    groups: [${RUN}-svc]\n`) });
    expect((await runCounted(dir)).summary.exitCode).toBe(0);
    expect(await aclsOf(principal)).toHaveLength(6);
    expect((await aclsOf(principal)).join('\n')).toContain(`WRITE TOPIC prefix ${RUN}.svc.`);

    writeFileSync(join(dir, 'acls.yaml'), acls(''));
    const forbidden = await cli(dir, 'presync');
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toContain(`! acl ALLOW ${principal} READ TOPIC ${RUN}.in: ${principal} is managed by this config but this ACL is not declared`);
    expect(await aclsOf(principal)).toHaveLength(6);

    writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\nacls:\n  files: [acls.yaml]\n  delete: managed\n`);
    const managed = await cli(dir, 'presync');
    expect(managed.code).toBe(0);
    expect(managed.stdout).toContain(`- acl ALLOW ${principal} READ GROUP ${RUN}-svc`);
    expect(managed.stdout).toContain('3 ACLs deleted');
    expect(await aclsOf(principal)).toEqual(
      [`ALLOW ${principal} DESCRIBE TOPIC prefix ${RUN}.svc.`, `ALLOW ${principal} IDEMPOTENT_WRITE CLUSTER kafka-cluster`, `ALLOW ${principal} WRITE TOPIC prefix ${RUN}.svc.`].sort(),
    );
    expect(await aclsOf(bystander)).toEqual([describeAcl(other)]);
  });

  it('applies nothing, topics included, when an ACL is out of scope', async () => {
    const dir = workspace(`topics:\n  files: [topics.yaml]\nacls:\n  files: [acls.yaml]\n  managedPrincipals: [User:${RUN}-a]\n`, {
      'topics.yaml': `topics:\n  - name: ${RUN}.scope.t\n`,
      'acls.yaml': `applications:\n  - principal: User:${RUN}-b\n    produces: [${RUN}.scope.t]\n`,
    });
    principalsUsed.add(`User:${RUN}-b`);
    const run = await cli(dir, 'presync');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`User:${RUN}-b is not in acls.managedPrincipals`);
    expect(run.stdout).toContain('(rule outside-managed-scope)');
    const { topics } = await admin.fetchTopicMetadata();
    expect(topics.map((topic) => topic.name)).not.toContain(`${RUN}.scope.t`);
    expect(await aclsOf(`User:${RUN}-b`)).toEqual([]);
  });

  it('exits 2 naming file, line and field for a malformed ACL', async () => {
    const dir = workspace(`acls:\n  files: [acls.yaml]\n`, { 'acls.yaml': `acls:\n  - principal: User:x\n    resourceType: GROUP\n    resourceName: g\n    operation: WRITE\n` });
    const run = await cli(dir, 'plan');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('acls.yaml:5:16: acls[0].operation: GROUP supports only ALL, READ, DESCRIBE, DELETE; WRITE means nothing on it.');
  });
});
