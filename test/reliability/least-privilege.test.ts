import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/tasks/shared/kafka-enums.js';
import { aclsOf, createScramUser, createTopicsAndWait, crashSigns, deleteAclsOf, deleteTopicsWithPrefix, errorMessages, superAdmin, topicsWithPrefix, writeWorkspace } from './support.js';

/**
 * synchook as a principal that is not a super user, on the broker with StandardAuthorizer and
 * allow.everyone.if.no.acl.found=false: with exactly the ACLs docs/security.md lists it does its
 * job, and without any one of them it stops before writing anything, with a message naming the
 * permission to grant.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `lp${randomBytes(3).toString('hex')}`;
const USER = `${RUN}-synchook`;
const PASSWORD = `lp-${randomBytes(12).toString('hex')}`;
const APP = `User:${RUN}-app`;

type Operation = keyof typeof AclOperationTypes;
interface Grant {
  resource: 'TOPIC' | 'CLUSTER' | 'GROUP';
  /** A prefix for TOPIC and GROUP; the cluster has none. */
  prefix?: string;
  operation: Operation;
  /** Without it the task still passes, with a warning naming the permission (cleanup only). */
  optional?: boolean;
}

/**
 * The least a principal needs, for the topics task with managedPrefix `<case>.` and delete:
 * managed, and for the acls task. Kafka implies DESCRIBE from ALTER (and DELETE), and
 * DESCRIBE_CONFIGS from ALTER_CONFIGS, so those two need no ACL of their own.
 */
function leastPrivilege(prefix: string): Grant[] {
  return [
    { resource: 'TOPIC', prefix, operation: 'CREATE' },
    { resource: 'TOPIC', prefix, operation: 'ALTER' },
    { resource: 'TOPIC', prefix, operation: 'ALTER_CONFIGS' },
    { resource: 'TOPIC', prefix, operation: 'DELETE' },
    { resource: 'CLUSTER', operation: 'ALTER' },
  ];
}

/**
 * The run lock (docs/run-lock.md): its topic, created on first use, and its group prefix.
 * Kafka implies DESCRIBE from READ; both are listed as docs/run-lock.md lists them.
 */
function runLockGrants(): Grant[] {
  return [
    { resource: 'TOPIC', prefix: '__synchook_locks', operation: 'CREATE' },
    { resource: 'TOPIC', prefix: '__synchook_locks', operation: 'DESCRIBE' },
    { resource: 'TOPIC', prefix: '__synchook_locks', operation: 'READ' },
    { resource: 'GROUP', prefix: 'synchook-lock.', operation: 'READ' },
    { resource: 'GROUP', prefix: 'synchook-lock.', operation: 'DESCRIBE' },
  ];
}

/** What each missing grant must make synchook say: the operation (and where it applies). */
const EXPECTED_NAMING: Record<string, RegExp> = {
  'TOPIC CREATE': /\bCREATE\b/,
  'TOPIC ALTER': /\bALTER\b(?!_)/,
  'TOPIC ALTER_CONFIGS': /\bALTER_CONFIGS\b/,
  'TOPIC DELETE': /\bDELETE\b/,
  'CLUSTER ALTER': /\bALTER\b(?!_).*cluster|cluster.*\bALTER\b(?!_)/i,
};

let admin: Admin;
let counter = 0;

beforeAll(async () => {
  const { kafka } = harness();
  admin = await superAdmin(kafka.bootstrap);
  await createScramUser(kafka.libsDir, kafka.bootstrap, USER, PASSWORD);
}, 120_000);

afterAll(async () => {
  await deleteAclsOf(admin, `User:${USER}`);
  await deleteAclsOf(admin, APP);
  await deleteTopicsWithPrefix(admin, RUN);
  await admin.disconnect();
});

/** Replaces every ACL of synchook's principal with these (or, with `keep`, adds them to those it has). */
async function grant(grants: Grant[], options: { keep?: boolean } = {}): Promise<void> {
  if (!options.keep) await deleteAclsOf(admin, `User:${USER}`);
  if (grants.length === 0) return;
  await admin.createAcls({
    acl: grants.map((item) => ({
      principal: `User:${USER}`,
      host: '*',
      resourceType: AclResourceTypes[item.resource],
      resourceName: item.resource === 'CLUSTER' ? 'kafka-cluster' : item.prefix!,
      resourcePatternType: item.resource === 'CLUSTER' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
      operation: AclOperationTypes[item.operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  });
  // ACL changes reach the broker's authorizer through the metadata log; wait until it answers with them.
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await admin.describeAcls({ principal: `User:${USER}`, resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    const names = new Set(response.resources.map((resource) => resource.resourceName));
    if (grants.every((item) => names.has(item.resource === 'CLUSTER' ? 'kafka-cluster' : item.prefix!))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Scenario {
  prefix: string;
  dir: string;
}

/**
 * Everything the two tasks can do, in one run: create a topic, add partitions to and change the
 * config of an existing one, delete an undeclared one under the prefix, create an ACL.
 */
async function scenario(options: { validateWithBroker?: boolean } = {}): Promise<Scenario> {
  const prefix = `${RUN}.c${++counter}.`;
  await createTopicsAndWait(admin, [
    { topic: `${prefix}existing`, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
    { topic: `${prefix}stray`, numPartitions: 1, replicationFactor: 1 },
  ]);
  const dir = writeWorkspace({
    'synchook.yaml': [
      'cluster:',
      `  brokers: ["${harness().kafka.saslBootstrap}"]`,
      '  retries: 1',
      `  tls: { caFile: ${harness().kafka.caFile} }`,
      `  sasl: { mechanism: scram-sha-512, username: ${USER}, passwordFile: password }`,
      'topics:',
      '  files: [topics.yaml]',
      `  managedPrefix: "${prefix}"`,
      '  delete: managed',
      `  validateWithBroker: ${options.validateWithBroker ?? true}`,
      '  defaults: { replicationFactor: 1 }',
      'acls:',
      '  files: [acls.yaml]',
      `  managedPrincipals: [${APP}]`,
      '',
    ].join('\n'),
    password: `${PASSWORD}\n`,
    'topics.yaml': `topics:\n  - name: ${prefix}existing\n    partitions: 2\n    config: { retention.ms: 7200000 }\n  - name: ${prefix}created\n    partitions: 1\n`,
    'acls.yaml': `acls:\n  - principal: ${APP}\n    resourceType: TOPIC\n    resourceName: ${prefix}created\n    operation: READ\n`,
  }, 'least-privilege');
  return { prefix, dir };
}

function describeRun(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout.slice(0, 5000)}\n--- stderr\n${result.stderr.slice(0, 3000)}`;
}

async function expectUntouched(item: Scenario): Promise<void> {
  const topics = await topicsWithPrefix(admin, item.prefix);
  expect([...topics.keys()].sort()).toEqual([`${item.prefix}existing`, `${item.prefix}stray`]);
  expect(topics.get(`${item.prefix}existing`)).toEqual({ partitions: 1, own: { 'retention.ms': '3600000' } });
  expect((await aclsOf(admin, APP)).filter((acl) => acl.includes(item.prefix))).toEqual([]);
}

describe(`least privilege on an ACL-enabled broker (Kafka ${VERSION})`, () => {
  it('with exactly the documented ACLs, presync does everything, and a rerun plans nothing', async () => {
    const item = await scenario();
    await grant([...leastPrivilege(item.prefix), ...runLockGrants()]);
    const result = await runCli(['presync', '-c', join(item.dir, 'synchook.yaml')], { killAfterMs: 90_000 });
    expect(result.code, describeRun(result)).toBe(0);
    const topics = await topicsWithPrefix(admin, item.prefix);
    expect([...topics.keys()].sort()).toEqual([`${item.prefix}created`, `${item.prefix}existing`]);
    expect(topics.get(`${item.prefix}existing`)).toEqual({ partitions: 2, own: { 'retention.ms': '7200000' } });
    expect((await aclsOf(admin, APP)).length).toBe(1);
    const again = await runCli(['plan', '-c', join(item.dir, 'synchook.yaml'), '--format', 'json']);
    expect(again.code, describeRun(again)).toBe(0);
    expect((JSON.parse(again.stdout) as { tasks: Array<{ changes: unknown[] }> }).tasks.flatMap((task) => task.changes)).toEqual([]);
    await deleteAclsOf(admin, APP);
  });

  for (const missing of leastPrivilege('<prefix>')) {
    const key = `${missing.resource} ${missing.operation}`;
    it(`without ${missing.operation} on the ${missing.resource.toLowerCase()}: stops before writing, naming ${missing.operation}`, async () => {
      const item = await scenario();
      await grant([...leastPrivilege(item.prefix).filter((candidate) => !(candidate.resource === missing.resource && candidate.operation === missing.operation)), ...runLockGrants()]);
      const result = await runCli(['presync', '-c', join(item.dir, 'synchook.yaml')], { killAfterMs: 90_000 });
      const output = describeRun(result);
      expect(result.code, output).toBe(1);
      expect(crashSigns(result), output).toEqual([]);
      const messages = errorMessages(result);
      expect(messages.length, output).toBeGreaterThan(0);
      expect(messages.join('\n'), output).toMatch(/AUTHORIZATION_FAILED|may not|not authori[sz]ed/i);
      expect(messages.join('\n'), output).toMatch(EXPECTED_NAMING[key]!);
      await expectUntouched(item);
    });
  }

  it('synchook plan for pull requests runs read-only: DESCRIBE and DESCRIBE_CONFIGS on the topics and DESCRIBE on the cluster, with validateWithBroker off', async () => {
    const item = await scenario({ validateWithBroker: false });
    await grant([
      { resource: 'TOPIC', prefix: item.prefix, operation: 'DESCRIBE' },
      { resource: 'TOPIC', prefix: item.prefix, operation: 'DESCRIBE_CONFIGS' },
      { resource: 'CLUSTER', operation: 'DESCRIBE' },
    ]);
    const result = await runCli(['plan', '-c', join(item.dir, 'synchook.yaml'), '--format', 'json'], { killAfterMs: 90_000 });
    expect(result.code, describeRun(result)).toBe(0);
    const changes = (JSON.parse(result.stdout) as { tasks: Array<{ changes: Array<{ resource: string }> }> }).tasks.flatMap((task) => task.changes.map((change) => change.resource));
    expect(changes).toEqual(expect.arrayContaining([`topic ${item.prefix}created`, `topic ${item.prefix}existing`, `topic ${item.prefix}stray`]));
    await expectUntouched(item);
  });

  it('with no ACL at all: stops at the first read with a message naming the permission to grant', async () => {
    const item = await scenario();
    await grant([]);
    const result = await runCli(['presync', '-c', join(item.dir, 'synchook.yaml')], { killAfterMs: 90_000 });
    const output = describeRun(result);
    expect(result.code, output).toBe(1);
    expect(crashSigns(result), output).toEqual([]);
    expect(errorMessages(result).join('\n'), output).toMatch(/AUTHORIZATION_FAILED|may not/);
    await expectUntouched(item);
  });
});

/**
 * PostSync as the same non-super principal: the smoke probe (its own probe topic, a throwaway
 * consumer group per run) and the health check of an application topic and consumer group.
 */
function postsyncGrants(prefix: string): Grant[] {
  return [
    { resource: 'TOPIC', prefix: `${prefix}probe`, operation: 'CREATE' },
    { resource: 'TOPIC', prefix: `${prefix}probe`, operation: 'WRITE' },
    { resource: 'TOPIC', prefix: `${prefix}probe`, operation: 'READ' },
    { resource: 'GROUP', prefix: `${prefix}smoke-`, operation: 'READ' },
    { resource: 'GROUP', prefix: `${prefix}smoke-`, operation: 'DELETE', optional: true },
    { resource: 'TOPIC', prefix: `${prefix}app`, operation: 'DESCRIBE' },
    { resource: 'GROUP', prefix: `${prefix}app-group`, operation: 'DESCRIBE' },
  ];
}

/** Only the task the missing permission belongs to runs (the probe takes seconds; health does not need it). */
async function postsyncScenario(only?: 'smoke' | 'health'): Promise<Scenario> {
  const prefix = `${RUN}.p${++counter}.`;
  await createTopicsAndWait(admin, [{ topic: `${prefix}app`, numPartitions: 2, replicationFactor: 1 }]);
  // A consumer group with committed offsets and no members: what a batch consumer leaves between runs.
  await admin.setOffsets({ groupId: `${prefix}app-group`, topic: `${prefix}app`, partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] });
  const dir = writeWorkspace({
    'synchook.yaml': [
      'cluster:',
      `  brokers: ["${harness().kafka.saslBootstrap}"]`,
      '  retries: 1',
      `  tls: { caFile: ${harness().kafka.caFile} }`,
      `  sasl: { mechanism: scram-sha-512, username: ${USER}, passwordFile: password }`,
      'smoke:',
      `  enabled: ${only !== 'health'}`,
      `  topic: ${prefix}probe`,
      '  messages: 20',
      '  partitions: 1',
      '  replicationFactor: 1',
      `  groupIdPrefix: ${prefix}smoke-`,
      '  timeout: 20s',
      'health:',
      `  enabled: ${only !== 'smoke'}`,
      `  topics: [{ name: ${prefix}app, partitions: 2 }]`,
      `  consumerGroups: [{ group: ${prefix}app-group, minMembers: 0, maxLag: 10, waitFor: 5s }]`,
      '',
    ].join('\n'),
    password: `${PASSWORD}\n`,
  }, 'least-privilege');
  return { prefix, dir };
}

// Every case has resources of its own (a fresh prefix) and no cluster ACL: they run side by side,
// each adding its grants to the principal's.
describe.concurrent(`least privilege for PostSync (Kafka ${VERSION})`, () => {
  beforeAll(async () => {
    await grant([]);
  });

  it('with exactly the documented ACLs, postsync passes', async () => {
    const item = await postsyncScenario();
    await grant(postsyncGrants(item.prefix), { keep: true });
    const result = await runCli(['postsync', '-c', join(item.dir, 'synchook.yaml')], { killAfterMs: 90_000 });
    expect(result.code, describeRun(result)).toBe(0);
  });

  for (const missing of postsyncGrants('<prefix>')) {
    const where = `${missing.resource.toLowerCase()} ${missing.prefix!.replace('<prefix>', '')}`;
    it(`without ${missing.operation} on the ${where}: ${missing.optional ? 'passes with a warning' : 'fails'} naming ${missing.operation}`, async () => {
      const item = await postsyncScenario(missing.prefix!.includes('app') ? 'health' : 'smoke');
      await grant(postsyncGrants(item.prefix).filter((candidate) => candidate.prefix !== `${item.prefix}${missing.prefix!.replace('<prefix>', '')}` || candidate.operation !== missing.operation), { keep: true });
      const result = await runCli(['postsync', '-c', join(item.dir, 'synchook.yaml')], { killAfterMs: 90_000 });
      const output = describeRun(result);
      expect(crashSigns(result), output).toEqual([]);
      if (missing.optional) {
        // Cleanup only: the probe passes and leaves its throwaway group, with a warning that says what to grant.
        expect(result.code, output).toBe(0);
        const warning = result.stdout.split('\n').find((line) => /warning:.*group/.test(line)) ?? '';
        expect(warning, output).toContain(`${item.prefix}smoke-`);
        expect(warning, output).toMatch(new RegExp(`\\b${missing.operation}\\b`));
        return;
      }
      // A missing ACL of synchook's own principal is exit 1 in PostSync as in PreSync.
      expect(result.code, output).toBe(1);
      expect(errorMessages(result).join('\n'), output).toMatch(new RegExp(`\\b${missing.operation}\\b`));
    });
  }
});
