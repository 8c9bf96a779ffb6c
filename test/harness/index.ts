import { inject } from 'vitest';
import type { KafkaUser } from './kafka.js';

/** Addresses of the Kafka and registry started by the integration project's global setup. */
export interface HarnessInfo {
  kafka: {
    version: string;
    clusterId: string;
    /** PLAINTEXT listener; its principal is a super user. */
    bootstrap: string;
    /** SASL_SSL listener (SCRAM-SHA-256/512, PLAIN). */
    saslBootstrap: string;
    caFile: string;
    clientCertFile: string;
    clientKeyFile: string;
    admin: KafkaUser;
    users: Record<string, KafkaUser>;
    dataDir: string;
    libsDir: string;
  };
  registry: { url: string; baseUrl: string; version: string };
  /** The Kafka Connect worker, started only when a connect*.test.ts file runs. */
  connect?: { url: string; version: string; groupId: string; logFile: string };
}

/** The three-node cluster started by the cluster project's global setup (test/harness/kafka-cluster.ts). */
export interface ClusterHarnessInfo {
  version: string;
  clusterId: string;
  /** Every broker's PLAINTEXT address, comma-separated; no authentication, no authorizer. */
  bootstrap: string;
  nodes: Array<{ nodeId: number; rack: string; address: string }>;
  dataDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    harness: HarnessInfo;
    kafkaCluster: ClusterHarnessInfo;
  }
}

export function harness(): HarnessInfo {
  return inject('harness');
}

export function kafkaCluster(): ClusterHarnessInfo {
  return inject('kafkaCluster');
}
