import { defineConfig } from 'vitest/config';

/**
 * unit: no network, no processes. integration: against the real Kafka (SYNCHOOK_KAFKA_VERSION
 * selects 3.9 or 4) and the real registry started by the harness. kubernetes: against a real kube-apiserver (with etcd)
 * started by the harness. e2e: the built image.
 */
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/unit/fast-check-seed.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/harness/**/*.integration.test.ts', 'test/reliability/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: one file at a time keeps broker-heavy tests from starving each other.
          fileParallelism: false,
        },
      },
      {
        test: {
          // Against a three-node Kafka cluster (test/harness/kafka-cluster.ts), started once for
          // every file of the project; SYNCHOOK_KAFKA_VERSION selects the release.
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          globalSetup: ['test/harness/cluster-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'kubernetes',
          include: ['test/kubernetes/**/*.test.ts'],
          globalSetup: ['test/kubernetes/global-setup.ts'],
          testTimeout: 120_000,
          // The first run builds kube-apiserver (scripts/install-kube-apiserver.sh); later runs start it in seconds.
          hookTimeout: 3_600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 1_200_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
