import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafkaAdmin } from '../../src/clients/kafka/admin.js';
import { kafkaCluster } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

// Replication-factor changes through the CLI on the three-node cluster (racks a, a, b).
const cluster = kafkaCluster();
const RUN = `rf${randomBytes(3).toString('hex')}`;
const TOPIC = `${RUN}.orders.v1`;
const kafka = new Kafka({ clientId: 'reassignment-test', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const rackOf = new Map(cluster.nodes.map((node) => [node.nodeId, node.rack]));

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const value = 'x'.repeat(1024);
  await producer.send({ topic: TOPIC, messages: Array.from({ length: 600 }, (_, index) => ({ key: String(index), value })) });
  await producer.disconnect();
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await admin.disconnect();
});

function workspace(replicationFactor: number, topicsExtra = '  allowReassignment: true\n  reassignment:\n    throttle: 10485760\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-reassign-'));
  writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: [${cluster.bootstrap.split(',').map((address) => `"${address}"`).join(', ')}]\ntopics:\n  files: [topics.yaml]\n${topicsExtra}`);
  writeFileSync(join(dir, 'topics.yaml'), `topics:\n  - name: ${TOPIC}\n    partitions: 6\n    replicationFactor: ${replicationFactor}\n`);
  return dir;
}

const cli = (dir: string, command: string) => runCli([command, '-c', join(dir, 'synchook.yaml')]);

async function replicas(): Promise<number[][]> {
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
  return metadata!.partitions.sort((a, b) => a.partitionId - b.partitionId).map((partition) => partition.replicas);
}

async function throttleKeysLeft(): Promise<string[]> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC }, ...cluster.nodes.map((node) => ({ type: ConfigResourceTypes.BROKER, name: String(node.nodeId) }))],
  });
  return described.resources.flatMap((resource) =>
    resource.configEntries.filter((entry) => /replication\.throttled\./.test(entry.configName) && entry.configValue && entry.configValue !== '' && entry.configValue !== '9223372036854775807').map((entry) => `${resource.resourceName} ${entry.configName}=${entry.configValue}`),
  );
}

it('keeps a replication-factor change a violation unless topics.allowReassignment is on', async () => {
  const result = await cli(workspace(3, ''), 'plan');
  expect(result.code).toBe(1);
  expect(result.stdout).toContain(`! topic ${TOPIC}`);
  expect(result.stdout).toMatch(/replication factor 1 → 3 needs a partition reassignment/);
  expect((await replicas()).every((list) => list.length === 1)).toBe(true);
});

it('plans 1 → 3 as a reassignment, applies it under a throttle, waits for it and removes the throttle', async () => {
  const dir = workspace(3);
  const plan = await cli(dir, 'plan');
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toContain(`~ topic ${TOPIC}: replication factor 1 → 3 (reassignment of 6 partitions)`);

  const applied = await cli(dir, 'presync');
  expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
  expect(applied.stderr).toMatch(/replication throttled to 10485760 bytes\/s/);
  expect(applied.stderr).toMatch(/reassignment done \(6 partitions\)/);

  const after = await replicas();
  expect(after.map((list) => [...list].sort())).toEqual(Array.from({ length: 6 }, () => [1, 2, 3]));
  // Preferred leaders (first replica) spread: two partitions each.
  const leaders = after.map((list) => list[0]!).sort();
  expect(leaders).toEqual([1, 1, 2, 2, 3, 3]);
  expect(await throttleKeysLeft()).toEqual([]);

  const again = await cli(dir, 'plan');
  expect(again.code).toBe(0);
  expect(again.stdout).not.toContain(`~ topic ${TOPIC}`);
});

it('shrinks 3 → 2 keeping one replica on each rack', async () => {
  const result = await cli(workspace(2), 'presync');
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  for (const list of await replicas()) {
    expect(list).toHaveLength(2);
    expect(new Set(list.map((id) => rackOf.get(id))).size).toBe(2);
  }
});

it('refuses a replication factor above the broker count, naming the topic and the brokers', async () => {
  const result = await cli(workspace(4), 'plan');
  expect(result.code).toBe(1);
  expect(result.stdout).toContain(`! topic ${TOPIC}`);
  expect(result.stdout).toMatch(/replication factor 2 → 4 needs 4 brokers, and the cluster has 3 brokers/);
});

it('waits for a reassignment an earlier run left in progress, and reports it in the plan', async () => {
  // A move started outside synchook and held back by a throttle of 1 byte/s: in progress until a run lifts it.
  const perItem = createKafkaAdmin(kafka, { retries: 2 });
  try {
    const current = await replicas();
    const spare = (list: number[]) => [1, 2, 3].find((id) => !list.includes(id))!;
    await perItem.alterBrokerConfigs(cluster.nodes.map((node) => ({ broker: node.nodeId, set: { 'leader.replication.throttled.rate': '1', 'follower.replication.throttled.rate': '1' }, delete: [] })));
    await perItem.alterTopicConfigs([{ name: TOPIC, set: { 'leader.replication.throttled.replicas': '*', 'follower.replication.throttled.replicas': '*' }, delete: [] }]);
    const started = await perItem.alterPartitionReassignments(current.map((list, partition) => ({ topic: TOPIC, partition, replicas: [...list, spare(list)] })), { timeoutMs: 10_000 });
    expect([...started.values()].every((result) => result.ok)).toBe(true);
    expect((await perItem.listPartitionReassignments(null, { timeoutMs: 10_000 })).get(TOPIC)?.length).toBeGreaterThan(0);
  } finally {
    await perItem.close();
  }

  const dir = workspace(3);
  const plan = await cli(dir, 'plan');
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toMatch(new RegExp(`~ topic ${TOPIC.replace(/\./g, '\\.')}: reassignment in progress: replication factor 2 → 3 \\(\\d+ partitions? moving\\); wait for it`));

  const applied = await cli(dir, 'presync');
  expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
  expect(applied.stderr).toMatch(/reassignment done/);
  expect((await replicas()).map((list) => [...list].sort())).toEqual(Array.from({ length: 6 }, () => [1, 2, 3]));
  expect(await throttleKeysLeft()).toEqual([]);
});
