import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafkaAdmin, partitionKey, type KafkaAdmin } from '../../src/clients/kafka/admin.js';
import { harness } from '../harness/index.js';
import { createTopicsAndWait } from '../reliability/support.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

// AlterPartitionReassignments, ListPartitionReassignments and broker IncrementalAlterConfigs as
// synchook sends them, on the single-node broker of both releases: every answer a single node can
// give. Moves between brokers are tested on the three-node cluster (test/cluster/).
const TOPIC = `reassign-${randomBytes(3).toString('hex')}`;
const kafka = new Kafka({ clientId: 'reassignments-test', brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
let perItem: KafkaAdmin;
let nodeId: number;

beforeAll(async () => {
  await admin.connect();
  // kafkajs's own leader wait gives up on a broker still publishing earlier topics; this one waits.
  await createTopicsAndWait(admin, [{ topic: TOPIC, numPartitions: 2, replicationFactor: 1 }]);
  nodeId = (await admin.describeCluster()).brokers[0]!.nodeId;
  perItem = createKafkaAdmin(kafka, { retries: 2 });
});

afterAll(async () => {
  await perItem?.close();
  await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await admin.disconnect();
});

it('answers AlterPartitionReassignments per partition: accepted, unknown broker, unknown topic', async () => {
  const results = await perItem.alterPartitionReassignments(
    [
      { topic: TOPIC, partition: 0, replicas: [nodeId] },
      { topic: TOPIC, partition: 1, replicas: [nodeId + 100] },
      { topic: `${TOPIC}-missing`, partition: 0, replicas: [nodeId] },
    ],
    { timeoutMs: 10_000 },
  );
  expect(results.get(partitionKey(TOPIC, 0))).toEqual({ ok: true });
  const unknownBroker = results.get(partitionKey(TOPIC, 1));
  expect(unknownBroker).toMatchObject({ ok: false, error: { type: 'INVALID_REPLICA_ASSIGNMENT', kind: 'refused' } });
  expect(results.get(partitionKey(`${TOPIC}-missing`, 0))).toMatchObject({ ok: false, error: { type: 'UNKNOWN_TOPIC_OR_PARTITION' } });
  // Nothing was left moving: the partitions keep their one replica.
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
  expect(metadata!.partitions.map((partition) => partition.replicas)).toEqual([[nodeId], [nodeId]]);
});

it('lists no reassignment for a settled topic, for its partitions and for the whole cluster', async () => {
  const named = await perItem.listPartitionReassignments([{ name: TOPIC, partitions: [0, 1] }], { timeoutMs: 10_000 });
  expect([...named.keys()]).toEqual([]);
  const all = await perItem.listPartitionReassignments(null, { timeoutMs: 10_000 });
  expect(all.has(TOPIC)).toBe(false);
});

it('refuses to cancel a reassignment that is not in progress, per partition', async () => {
  const results = await perItem.cancelPartitionReassignments([{ topic: TOPIC, partition: 0 }], { timeoutMs: 10_000 });
  expect(results.get(partitionKey(TOPIC, 0))).toMatchObject({ ok: false, error: { type: 'NO_REASSIGNMENT_IN_PROGRESS' } });
});

it('sets and removes a broker replication throttle with IncrementalAlterConfigs on that broker', async () => {
  const rate = async () => {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(nodeId), configNames: ['leader.replication.throttled.rate'] }] });
    return described.resources[0]!.configEntries.find((entry) => entry.configName === 'leader.replication.throttled.rate')?.configValue;
  };
  const set = await perItem.alterBrokerConfigs([{ broker: nodeId, set: { 'leader.replication.throttled.rate': '1048576' }, delete: [] }]);
  expect(set.get(nodeId)).toEqual({ ok: true });
  await expect.poll(rate, { timeout: 20_000 }).toBe('1048576');
  const removed = await perItem.alterBrokerConfigs([{ broker: nodeId, set: {}, delete: ['leader.replication.throttled.rate'] }]);
  expect(removed.get(nodeId)).toEqual({ ok: true });
  await expect.poll(rate, { timeout: 20_000 }).not.toBe('1048576');
});
