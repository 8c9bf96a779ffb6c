import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

/**
 * `synchook teardown` against the harness: an ephemeral environment is applied with presync, a
 * few things it does not own are put next to it, and teardown must delete exactly what the config
 * owns — topics under the managed prefix, the declared subjects and ACLs, its probe topic.
 */

const id = randomBytes(4).toString('hex');
const prefix = `td${id}.`;
const environment = `td-${id}`;
const probeTopic = `synchook.probe.${environment}`;
const outsideTopic = `keep${id}.orders`;
const outsideSubject = `keep${id}-value`;

let admin: kafkajs.Admin;
let dir: string;

function writeConfig(folder: string, extra = ''): string {
  const { kafka, registry } = harness();
  const file = join(folder, 'synchook.yaml');
  writeFileSync(
    file,
    [
      `environment: ${environment}`,
      'cluster:',
      `  brokers: ["${kafka.bootstrap}"]`,
      'registry:',
      `  url: ${registry.url}`,
      'topics:',
      '  files: [topics.yaml]',
      `  managedPrefix: "${prefix}"`,
      '  defaults: { partitions: 1, replicationFactor: 1 }',
      'schemas:',
      '  files: [subjects.yaml]',
      'acls:',
      '  files: [acls.yaml]',
      'smoke:',
      '  messages: 10',
      extra,
    ].join('\n'),
  );
  return file;
}

async function topicNames(): Promise<string[]> {
  return admin.listTopics();
}

async function subjects(): Promise<string[]> {
  const response = await fetch(`${harness().registry.url}/subjects?deleted=true`);
  return (await response.json()) as string[];
}

async function aclsOf(principal: string): Promise<string[]> {
  const result = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    principal,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return result.resources.flatMap((resource) => resource.acls.map((acl) => `${resource.resourceName}:${acl.operation}`));
}

/** Topic deletion completes on the controller first; wait (bounded) until metadata agrees. */
async function waitUntilGone(names: string[]): Promise<string[]> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const left = (await topicNames()).filter((name) => names.includes(name));
    if (left.length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return (await topicNames()).filter((name) => names.includes(name));
}

beforeAll(async () => {
  const { kafka, registry } = harness();
  admin = new kafkajs.Kafka({ brokers: [kafka.bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  dir = mkdtempSync(join(tmpdir(), 'synchook-teardown-'));
  writeConfig(dir);
  writeFileSync(join(dir, 'topics.yaml'), ['topics:', `  - name: ${prefix}orders`, `  - name: ${prefix}customers`, ''].join('\n'));
  writeFileSync(
    join(dir, 'subjects.yaml'),
    [
      'subjects:',
      `  - subject: ${prefix}customer`,
      '    file: customer.avsc',
      `  - topic: ${prefix}orders`,
      '    value:',
      '      file: order.avsc',
      '      references:',
      '        - name: td.Customer',
      `          subject: ${prefix}customer`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'customer.avsc'), JSON.stringify({ type: 'record', name: 'Customer', namespace: 'td', fields: [{ name: 'id', type: 'string' }] }));
  writeFileSync(join(dir, 'order.avsc'), JSON.stringify({ type: 'record', name: 'Order', namespace: 'td', fields: [{ name: 'id', type: 'string' }, { name: 'customer', type: 'td.Customer' }] }));
  writeFileSync(join(dir, 'acls.yaml'), ['applications:', '  - principal: User:app', `    produces: [${prefix}orders]`, `    consumes: [${prefix}customers]`, `    groups: [${prefix}group]`, ''].join('\n'));

  const presync = await runCli(['presync', '-c', join(dir, 'synchook.yaml')]);
  expect(presync.code, `${presync.stdout}\n${presync.stderr}`).toBe(0);

  // What the environment does not own: teardown must leave all of it.
  await admin.createTopics({ topics: [{ topic: outsideTopic, numPartitions: 1, replicationFactor: 1 }, { topic: `${prefix}undeclared`, numPartitions: 1, replicationFactor: 1 }, { topic: probeTopic, numPartitions: 1, replicationFactor: 1 }] });
  const registered = await fetch(`${registry.url}/subjects/${outsideSubject}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify({ type: 'string' }) }),
  });
  expect(registered.ok).toBe(true);
  await admin.createAcls({
    acl: [{ principal: 'User:limited', host: '*', resourceType: AclResourceTypes.TOPIC, resourceName: `${prefix}orders`, resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }],
  });
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: [outsideTopic] }).catch(() => undefined);
  await admin?.deleteAcls({ filters: [{ principal: 'User:limited', host: '*', resourceType: AclResourceTypes.TOPIC, resourceName: `${prefix}orders`, resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] }).catch(() => undefined);
  await admin?.disconnect();
});

describe(`synchook teardown against Kafka ${process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9'} and the registry`, () => {
  it('lists what it would delete and deletes nothing without --yes', async () => {
    const result = await runCli(['teardown', '-c', join(dir, 'synchook.yaml')]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    for (const topic of [`${prefix}orders`, `${prefix}customers`, `${prefix}undeclared`, probeTopic]) expect(lines).toContain(`  - topic ${topic}`);
    expect(lines).toContain(`  - subject ${prefix}orders-value`);
    expect(lines).toContain(`  - subject ${prefix}customer`);
    // The referencing subject goes before the subject it references.
    expect(lines.indexOf(`  - subject ${prefix}orders-value`)).toBeLessThan(lines.indexOf(`  - subject ${prefix}customer`));
    expect(lines.filter((line) => line.startsWith('  - acl ') && line.includes('User:app'))).toHaveLength(5);
    expect(result.stdout).not.toContain(outsideTopic);
    expect(result.stdout).not.toContain('User:limited');
    expect(result.stdout).toMatch(/dry run: 4 topics, 2 subjects, 5 ACLs would be deleted; nothing was deleted/);
    expect(await topicNames()).toEqual(expect.arrayContaining([`${prefix}orders`, `${prefix}customers`, `${prefix}undeclared`, probeTopic]));
    expect(await subjects()).toEqual(expect.arrayContaining([`${prefix}orders-value`, `${prefix}customer`]));
    expect(await aclsOf('User:app')).toHaveLength(5);
  });

  it('with --yes deletes exactly what the config owns, and a second run finds nothing', async () => {
    const result = await runCli(['teardown', '--yes', '-c', join(dir, 'synchook.yaml')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('deleted 4 topics, 2 subjects, 5 ACLs.');

    expect(await waitUntilGone([`${prefix}orders`, `${prefix}customers`, `${prefix}undeclared`, probeTopic])).toEqual([]);
    expect(await topicNames()).toContain(outsideTopic);
    const left = await subjects();
    expect(left).not.toContain(`${prefix}orders-value`);
    expect(left).not.toContain(`${prefix}customer`);
    expect(left).toContain(outsideSubject);
    expect(await aclsOf('User:app')).toEqual([]);
    expect(await aclsOf('User:limited')).toEqual([`${prefix}orders:${AclOperationTypes.READ}`]);

    const again = await runCli(['teardown', '--yes', '-c', join(dir, 'synchook.yaml')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to delete.');
  });

  it('refuses (exit 2) when the config sets no managed prefix', async () => {
    const { kafka } = harness();
    const folder = mkdtempSync(join(tmpdir(), 'synchook-teardown-'));
    writeFileSync(join(folder, 'synchook.yaml'), ['cluster:', `  brokers: ["${kafka.bootstrap}"]`, 'topics:', '  files: [topics.yaml]', ''].join('\n'));
    writeFileSync(join(folder, 'topics.yaml'), `topics:\n  - name: ${prefix}orders\n`);
    const result = await runCli(['teardown', '--yes', '-c', join(folder, 'synchook.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('sets no topics.managedPrefix');
    expect(result.stdout).not.toContain('- topic');
  });
});
