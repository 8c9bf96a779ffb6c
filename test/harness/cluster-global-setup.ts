import type { TestProject } from 'vitest/node';
import { startKafkaCluster } from './kafka-cluster.js';
import type { ClusterHarnessInfo } from './index.js';

/**
 * Starts one three-node Kafka cluster (version from SYNCHOOK_KAFKA_VERSION, default 3.9) for the
 * `cluster` project and hands its addresses to the test files, which share it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cluster = await startKafkaCluster({ version: process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9' });
  process.stdout.write(`harness: Kafka ${cluster.version} cluster of ${cluster.nodes.length} at ${cluster.bootstrap}, up in ${Date.now() - started} ms\n`);
  const info: ClusterHarnessInfo = {
    version: cluster.version,
    clusterId: cluster.clusterId,
    bootstrap: cluster.bootstrap,
    nodes: cluster.nodes.map(({ nodeId, rack, address }) => ({ nodeId, rack, address })),
    dataDir: cluster.dataDir,
  };
  project.provide('kafkaCluster', info);
  return () => cluster.stop();
}
