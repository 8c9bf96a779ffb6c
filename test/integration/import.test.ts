import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/tasks/shared/kafka-enums.js';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';

/**
 * `synchook import` → `synchook plan` on a populated cluster and registry: 240 topics with a mix
 * of partitions and configs, ACLs of two principals, subjects with references, levels and several
 * versions. The round trip through the built CLI must plan nothing, in both topic formats.
 */

const RUN = `imp${randomBytes(3).toString('hex')}`;
const PREFIX = `${RUN}.`;
const TOPICS = 240;
const APP = `User:${RUN}-app`;
const AUDITOR = `User:${RUN}-auditor`;
const OTHER = `User:${RUN}-other`;
let admin: Admin;

const avro = (name: string, fields: unknown[]) => JSON.stringify({ type: 'record', name, namespace: RUN, fields });

async function register(subject: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${harness().registry.url}/subjects/${encodeURIComponent(subject)}/versions`, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`register ${subject}: ${response.status} ${await response.text()}`);
}

beforeAll(async () => {
  admin = new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = Array.from({ length: TOPICS }, (_, index) => ({
    topic: `${PREFIX}t${String(index).padStart(3, '0')}`,
    numPartitions: 1 + (index % 3),
    replicationFactor: 1,
    configEntries: [
      ...(index % 2 === 0 ? [{ name: 'retention.ms', value: String(3_600_000 * (1 + (index % 5))) }] : []),
      ...(index % 7 === 0 ? [{ name: 'cleanup.policy', value: 'compact,delete' }] : []),
      ...(index % 11 === 0 ? [{ name: 'max.message.bytes', value: '2097152' }, { name: 'min.insync.replicas', value: '1' }] : []),
    ],
  }));
  // A topic outside the prefix, which import must leave out.
  topics.push({ topic: `${RUN}-outside`, numPartitions: 1, replicationFactor: 1, configEntries: [] });
  await admin.createTopics({ topics, waitForLeaders: false, timeout: 60_000 });

  const acl = (principal: string, resourceType: number, resourceName: string, pattern: number, operation: number, permission = AclPermissionTypes.ALLOW, host = '*') => ({ principal, host, resourceType, resourceName, resourcePatternType: pattern, operation, permissionType: permission });
  await admin.createAcls({
    acl: [
      acl(APP, AclResourceTypes.TOPIC, PREFIX, ResourcePatternTypes.PREFIXED, AclOperationTypes.WRITE),
      acl(APP, AclResourceTypes.TOPIC, PREFIX, ResourcePatternTypes.PREFIXED, AclOperationTypes.DESCRIBE),
      acl(APP, AclResourceTypes.GROUP, `${RUN}-app`, ResourcePatternTypes.LITERAL, AclOperationTypes.READ),
      acl(APP, AclResourceTypes.CLUSTER, 'kafka-cluster', ResourcePatternTypes.LITERAL, AclOperationTypes.IDEMPOTENT_WRITE),
      acl(APP, AclResourceTypes.TRANSACTIONAL_ID, `${RUN}-tx`, ResourcePatternTypes.PREFIXED, AclOperationTypes.WRITE),
      acl(AUDITOR, AclResourceTypes.TOPIC, '*', ResourcePatternTypes.LITERAL, AclOperationTypes.READ),
      acl(AUDITOR, AclResourceTypes.TOPIC, `${PREFIX}t000`, ResourcePatternTypes.LITERAL, AclOperationTypes.READ, AclPermissionTypes.DENY, '10.1.2.3'),
      // A principal import is not asked for.
      acl(OTHER, AclResourceTypes.TOPIC, PREFIX, ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
    ],
  });

  // ACLs reach the broker's authorizer through the metadata log: wait until it shows them all.
  const any = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
  for (let waited = 0; ; waited += 250) {
    const { resources } = await admin.describeAcls(any);
    const ours = resources.flatMap((resource) => resource.acls).filter((entry) => entry.principal.startsWith(`User:${RUN}`)).length;
    if (ours === 8) break;
    if (waited > 30_000) throw new Error(`the broker shows ${ours} of the 8 ACLs created`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const customer = `${PREFIX}customer-value`;
  await register(customer, { schema: avro('Customer', [{ name: 'id', type: 'string' }]) });
  await register(customer, { schema: avro('Customer', [{ name: 'id', type: 'string' }, { name: 'email', type: ['null', 'string'], default: null }]) });
  // References version 1 of Customer while Customer's latest is 2.
  await register(`${PREFIX}order-value`, { schema: avro('Order', [{ name: 'id', type: 'string' }, { name: 'customer', type: `${RUN}.Customer` }]), references: [{ name: `${RUN}.Customer`, subject: customer, version: 1 }] });
  await register(`${PREFIX}invoice-value`, { schemaType: 'JSON', schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { total: { type: 'number' } } }) });
  const level = await fetch(`${harness().registry.url}/config/${encodeURIComponent(`${PREFIX}order-value`)}`, { method: 'PUT', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ compatibility: 'FULL' }) });
  expect(level.ok).toBe(true);
}, 180_000);

afterAll(async () => {
  const any = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
  await admin.deleteAcls({ filters: [APP, AUDITOR, OTHER].map((principal) => ({ ...any, principal })) }).catch(() => undefined);
  const { topics } = await admin.fetchTopicMetadata();
  const ours = topics.map((topic) => topic.name).filter((name) => name.startsWith(RUN));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await admin.disconnect();
});

/** A config folder whose synchook.yaml reaches the harness cluster and registry; `sections` names the imported files. */
function workspace(sections = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-import-it-'));
  writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\n  retries: 2\nregistry:\n  url: ${harness().registry.url}\n${sections}`);
  return dir;
}

function cli(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli([...args, '-c', join(dir, 'synchook.yaml')], { cwd: dir });
}

const IMPORT = ['import', '--prefix', PREFIX, '--out', 'imported', '--principal', APP, '--principal', AUDITOR];

describe.each(['synchook', 'strimzi'] as const)(`import then plan, %s topic files (Kafka ${process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9'})`, (format) => {
  it('writes files on which the next plan has no changes', async () => {
    const dir = workspace();
    const imported = await cli(dir, ...IMPORT, '--format', format, '--strimzi-cluster', 'main');
    expect(imported.stderr).not.toMatch(/"level":(40|50)/);
    expect(imported.code).toBe(0);
    const topicsFile = format === 'strimzi' ? 'imported/kafkatopics.yaml' : 'imported/topics.yaml';
    expect(imported.stdout).toContain(`Wrote ${TOPICS} topics to ${topicsFile}`);

    const topicsText = readFileSync(join(dir, topicsFile), 'utf8');
    expect(topicsText).not.toContain(`${RUN}-outside`);
    // Only what is set on the topic itself: no broker default is written down.
    expect(topicsText).not.toMatch(/segment\.bytes|message\.timestamp/);
    expect(topicsText).toContain('compact,delete');
    const subjects = readFileSync(join(dir, 'imported/subjects.yaml'), 'utf8');
    expect(subjects).toMatch(/compatibility: FULL/);
    expect(subjects).toMatch(new RegExp(`subject: ${PREFIX.replace('.', '\\.')}customer-value\\n\\s+version: 1`));
    const acls = readFileSync(join(dir, 'imported/acls.yaml'), 'utf8');
    expect(acls).not.toContain(OTHER);
    expect(acls).toContain('permission: DENY');

    writeFileSync(
      join(dir, 'synchook.yaml'),
      `${readFileSync(join(dir, 'synchook.yaml'), 'utf8')}topics:\n  files: [${topicsFile}]\n  managedPrefix: ["${PREFIX}"]\n  prune: true\nacls:\n  files: [imported/acls.yaml]\n  managedPrincipals: ["${APP}", "${AUDITOR}"]\nschemas:\n  files: [imported/subjects.yaml]\n`,
    );
    const plan = await cli(dir, 'plan', '--detailed-exitcode');
    expect(plan.stderr).not.toMatch(/"level":50/);
    expect(plan.stdout).toMatch(/topics \(presync\)/);
    expect(plan.stdout).toMatch(/acls \(presync\)/);
    expect(plan.stdout).toMatch(/schemas \(presync\)/);
    expect(plan.stdout).not.toMatch(/^\s+[+~!-] /m);
    expect(plan.code).toBe(0);
  });
});

describe('import refuses to overwrite', () => {
  it('leaves existing files as they are without --force, and replaces them with it', async () => {
    const dir = workspace();
    mkdirSync(join(dir, 'imported'));
    writeFileSync(join(dir, 'imported/topics.yaml'), 'topics: []\n');
    const refused = await cli(dir, ...IMPORT);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/imported\/topics\.yaml already exists: nothing was written\. Pass --force to overwrite/);
    expect(readFileSync(join(dir, 'imported/topics.yaml'), 'utf8')).toBe('topics: []\n');
    expect(() => readFileSync(join(dir, 'imported/acls.yaml'))).toThrow();

    const forced = await cli(dir, ...IMPORT, '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'imported/topics.yaml'), 'utf8')).toContain(`${PREFIX}t239`);
  });

  it('the round trip notices a difference: a config changed after the import is planned (exit 11)', async () => {
    const dir = workspace();
    expect((await cli(dir, 'import', '--prefix', `${PREFIX}t00`, '--out', 'imported')).code).toBe(0);
    writeFileSync(join(dir, 'synchook.yaml'), `${readFileSync(join(dir, 'synchook.yaml'), 'utf8')}topics:\n  files: [imported/topics.yaml]\n`);
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: `${PREFIX}t002`, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    const plan = await cli(dir, 'plan', '--detailed-exitcode');
    expect(plan.code).toBe(11);
    expect(plan.stdout).toMatch(new RegExp(`~ topic ${PREFIX}t002: 1 config change\\s+retention\\.ms: 1000 → 10800000`));
  });
});
