import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clients } from '../../src/clients/index.js';
import { createKafka } from '../../src/clients/kafka.js';
import { createKafkaAdmin, quotaEntityKey, type KafkaAdmin } from '../../src/clients/kafka/admin.js';
import { loadConfig } from '../../src/synchook-config.js';
import { createLogger } from '../../src/log.js';
import { runPhase } from '../../src/runner.js';
import { describeAcl, readClusterAcls } from '../../src/tasks/acls/index.js';
import { quotasTask } from '../../src/tasks/quotas/index.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/tasks/shared/kafka-enums.js';
import { harness } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';

const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `q${randomBytes(3).toString('hex')}-`;

let admin: KafkaAdmin;

beforeAll(() => {
  admin = createKafkaAdmin(new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }), { retries: 3 });
});

afterAll(async () => {
  const ours = (await admin.describeClientQuotas()).filter((quota) => [quota.entity.user, quota.entity.clientId].some((name) => name?.replace(/^CN=/, '').startsWith(RUN)));
  if (ours.length > 0) await admin.alterClientQuotas(ours.map((quota) => ({ entity: quota.entity, set: {}, remove: Object.keys(quota.values) })));
  await admin.close();
  const kafka = new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await kafka.connect();
  const any = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
  await kafka.deleteAcls({ filters: [`User:${RUN}shop`, `User:CN=${RUN}audit`].map((principal) => ({ ...any, principal })) }).catch(() => undefined);
  await kafka.disconnect();
});

function workspace(section: string, quotas: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-quotas-it-'));
  writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\n  retries: 2\nquotas:\n  files: [quotas.yaml]\n${section}`);
  writeFileSync(join(dir, 'quotas.yaml'), quotas);
  return dir;
}

function cli(dir: string, command: string) {
  return runCli([command, '-c', join(dir, 'synchook.yaml')]);
}

/** A presync of the quotas task in this process, with every per-item Kafka request counted. */
async function runCounted(dir: string): Promise<{ exitCode: number; requests: string[] }> {
  const log = createLogger({ level: 'silent' });
  const loaded = loadConfig(join(dir, 'synchook.yaml'), {});
  const kafka = createKafka(loaded.config.cluster!, { dir, log });
  const requests: string[] = [];
  const perItem = createKafkaAdmin(kafka, { retries: 3, onRequest: (name) => requests.push(name) });
  const clients: Clients = { kafka: () => kafka, admin: async () => { throw new Error('the quotas task uses the per-item admin only'); }, kafkaAdmin: () => perItem, registry: () => { throw new Error('no registry in this test'); }, close: async () => undefined };
  try {
    const summary = await runPhase({ mode: 'presync', loaded, log, clients, tasks: [quotasTask] });
    return { exitCode: summary.exitCode, requests };
  } finally {
    await perItem.close();
  }
}

async function aclsOf(principals: string[]): Promise<string[]> {
  const { bindings } = await readClusterAcls(admin);
  return bindings.filter((binding) => principals.includes(binding.principal)).map(describeAcl).sort();
}

async function quotasOf(entity: { user?: string | null; clientId?: string | null }): Promise<Record<string, number> | undefined> {
  const key = quotaEntityKey(entity);
  return (await admin.describeClientQuotas()).find((quota) => quotaEntityKey(quota.entity) === key)?.values;
}

describe(`quotas task against Kafka ${VERSION}`, () => {
  it('sets user, client-id and user + client-id quotas, shows them in the plan, and a rerun changes nothing', async () => {
    const dir = workspace(
      '',
      `quotas:
  - user: ${RUN}orders
    producerByteRate: 1048576
    consumerByteRate: 2097152
    requestPercentage: 50
  - clientId: ${RUN}batch
    controllerMutationRate: 10
  - user: ${RUN}orders
    clientId: ${RUN}orders-producer
    producerByteRate: 524288
`,
    );
    const plan = await cli(dir, 'plan');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`+ quota user ${RUN}orders`);
    expect(plan.stdout).toContain('producer_byte_rate = 1048576 (1 MiB/s)');
    expect(plan.stdout).toContain(`+ quota client-id ${RUN}orders-producer of user ${RUN}orders`);
    expect(await quotasOf({ user: `${RUN}orders` })).toBeUndefined();

    const applied = await cli(dir, 'presync');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/quotas\s+3 quotas set/);
    expect(await quotasOf({ user: `${RUN}orders` })).toEqual({ producer_byte_rate: 1048576, consumer_byte_rate: 2097152, request_percentage: 50 });
    expect(await quotasOf({ clientId: `${RUN}batch` })).toEqual({ controller_mutation_rate: 10 });
    expect(await quotasOf({ user: `${RUN}orders`, clientId: `${RUN}orders-producer` })).toEqual({ producer_byte_rate: 524288 });

    const again = await cli(dir, 'presync');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/quotas\s+no changes \(3 quotas declared\)/);
    const counted = await runCounted(dir);
    expect(counted.exitCode).toBe(0);
    expect(counted.requests).toEqual(['DescribeClientQuotas']);
  });

  it('changes only the declared keys: a key set by someone else survives, and prune removes it', async () => {
    const user = `${RUN}payments`;
    const dir = workspace('', `quotas:\n  - user: ${user}\n    producerByteRate: 1024\n`);
    expect((await cli(dir, 'presync')).code).toBe(0);
    // Someone raises the consumer rate by hand.
    await admin.alterClientQuotas([{ entity: { user }, set: { consumer_byte_rate: 4096 }, remove: [] }]);
    writeFileSync(join(dir, 'quotas.yaml'), `quotas:\n  - user: ${user}\n    producerByteRate: 2048\n`);
    const changed = await cli(dir, 'presync');
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('producer_byte_rate 1024 (1 KiB/s) → 2048 (2 KiB/s)');
    expect(await quotasOf({ user })).toEqual({ producer_byte_rate: 2048, consumer_byte_rate: 4096 });

    writeFileSync(join(dir, 'synchook.yaml'), `${readFileSync(join(dir, 'synchook.yaml'), 'utf8')}  prune: true\n`);
    const pruned = await cli(dir, 'presync');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('consumer_byte_rate 4096 (4 KiB/s) → (removed: not declared, prune is on)');
    expect(await quotasOf({ user })).toEqual({ producer_byte_rate: 2048 });
  });

  it('an undeclared quota inside managedPrefix stops the sync under delete: forbid (nothing applied) and is removed under delete: managed', async () => {
    const gone = `${RUN}legacy`;
    const kept = `${RUN}billing`;
    await admin.alterClientQuotas([{ entity: { user: gone }, set: { producer_byte_rate: 1000 }, remove: [] }]);
    const quotas = `quotas:\n  - user: ${kept}\n    consumerByteRate: 8192\n`;
    const forbid = workspace(`  managedPrefix: "${RUN}"\n`, quotas);
    const refused = await cli(forbid, 'presync');
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain(`quota user ${gone} is set on the cluster (producer_byte_rate 1000) inside managedPrefix but no longer declared`);
    expect(await quotasOf({ user: kept })).toBeUndefined();
    expect(await quotasOf({ user: gone })).toEqual({ producer_byte_rate: 1000 });

    const managed = workspace(`  managedPrefix: "${RUN}"\n  delete: managed\n`, quotas);
    const applied = await cli(managed, 'presync');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`- quota user ${gone}`);
    expect(await quotasOf({ user: gone })).toBeUndefined();
    expect(await quotasOf({ user: kept })).toEqual({ consumer_byte_rate: 8192 });
  });

  it('reads Strimzi KafkaUser resources (v1beta2 and v1): their ACLs and quotas are applied, and a rerun changes nothing', async () => {
    const scram = `${RUN}shop`;
    const tls = `${RUN}audit`;
    const users = `apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaUser
metadata:
  name: ${scram}
  labels: { strimzi.io/cluster: my-cluster }
spec:
  authentication: { type: scram-sha-512 }
  authorization:
    type: simple
    acls:
      - resource: { type: topic, name: ${RUN}orders, patternType: literal }
        operation: Write
      - resource: { type: group, name: ${RUN}shop, patternType: prefix }
        operations: [Read]
  quotas:
    producerByteRate: 1048576
    requestPercentage: 25
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata:
  name: ${tls}
spec:
  authentication: { type: tls }
  authorization:
    type: simple
    acls:
      - resource: { type: topic, name: ${RUN}orders }
        operations: [Read, Describe]
  quotas:
    consumerByteRate: 2097152
`;
    const dir = mkdtempSync(join(tmpdir(), 'synchook-kafkauser-it-'));
    writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\n  retries: 2\nacls:\n  files: [users.yaml]\nquotas:\n  files: [users.yaml]\n`);
    writeFileSync(join(dir, 'users.yaml'), users);
    const applied = await cli(dir, 'presync');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`+ acl ALLOW User:${scram} WRITE TOPIC ${RUN}orders: KafkaUser ${scram}`);
    expect(applied.stdout).toContain(`+ acl ALLOW User:CN=${tls} DESCRIBE TOPIC ${RUN}orders: KafkaUser ${tls}`);
    expect(applied.stdout + applied.stderr).not.toContain("Strimzi's User Operator makes its ACLs");
    expect(await quotasOf({ user: scram })).toEqual({ producer_byte_rate: 1048576, request_percentage: 25 });
    expect(await quotasOf({ user: `CN=${tls}` })).toEqual({ consumer_byte_rate: 2097152 });
    const acls = await aclsOf([`User:${scram}`, `User:CN=${tls}`]);
    expect(acls).toEqual(
      [
        `ALLOW User:${scram} WRITE TOPIC ${RUN}orders`,
        `ALLOW User:${scram} READ GROUP prefix ${RUN}shop`,
        `ALLOW User:CN=${tls} READ TOPIC ${RUN}orders`,
        `ALLOW User:CN=${tls} DESCRIBE TOPIC ${RUN}orders`,
      ].sort(),
    );
    const again = await cli(dir, 'presync');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/acls\s+no changes \(4 ACLs declared\)/);
    expect(again.stdout).toMatch(/quotas\s+no changes \(2 quotas declared\)/);

    writeFileSync(join(dir, 'users.yaml'), users.replace('operation: Write', 'operation: Wrte'));
    const bad = await cli(dir, 'plan');
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/users\.yaml:12:20: spec\.authorization\.acls\[0\]\.operation: expected one of Read, Write/);
  });

  it('bad declarations exit 2 naming the file, line and key, and change nothing', async () => {
    const user = `${RUN}bad`;
    const cases: Array<[string, RegExp]> = [
      [`quotas:\n  - ip: 10.0.0.1\n    producerByteRate: 10\n`, /quotas\.yaml:2:5: unknown key quotas\[0\]\.ip/],
      [`quotas:\n  - user: User:${user}\n    producerByteRate: 10\n`, /quotas\.yaml:2:11: .*without the "User:" prefix/],
      [`quotas:\n  - user: ${user}\n    producerByteRate: -5\n`, /quotas\.yaml:3:23: .*must be above 0/],
      [`quotas:\n  - user: ${user}\n`, /set at least one of producerByteRate/],
      [`quotas:\n  - user: ${user}\n    producerByteRate: 10\n  - user: ${user}\n    consumerByteRate: 10\n`, /quotas\.yaml:4:5: the quota of user .* is declared twice \(first at quotas\.yaml:2:5\)/],
    ];
    for (const [text, message] of cases) {
      const result = await cli(workspace('', text), 'presync');
      expect(result.code, text).toBe(2);
      expect(result.stderr + result.stdout, text).toMatch(message);
    }
    expect(await quotasOf({ user })).toBeUndefined();
  });
});
