import kafkajs from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kafkaCluster } from '../harness/index.js';

const { Kafka, logLevel } = kafkajs;

const cluster = kafkaCluster();
const admin = new Kafka({ clientId: 'cluster-harness-test', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

it('serves three brokers, each with its rack, and places replication factor 3 on all of them', async () => {
  const described = await admin.describeCluster();
  expect(described.brokers.map((broker) => broker.nodeId).sort()).toEqual([1, 2, 3]);
  expect(cluster.nodes.map((node) => node.rack)).toEqual(['rack-a', 'rack-a', 'rack-b']);
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: cluster.nodes.map((node) => ({ type: kafkajs.ConfigResourceTypes.BROKER, name: String(node.nodeId) })) });
  const racks = Object.fromEntries(configs.resources.map((resource) => [resource.resourceName, resource.configEntries.find((entry) => entry.configName === 'broker.rack')?.configValue]));
  expect(racks).toEqual({ '1': 'rack-a', '2': 'rack-a', '3': 'rack-b' });

  const topic = `harness-rf3-${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  expect(metadata!.partitions.every((partition) => [...partition.replicas].sort().join() === '1,2,3')).toBe(true);
  await admin.deleteTopics({ topics: [topic] });
});
