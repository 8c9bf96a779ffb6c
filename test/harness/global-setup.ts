import type { TestProject } from 'vitest/node';
import { startKafka, type StartedKafka } from './kafka.js';
import { startRegistry, type StartedRegistry } from './registry.js';
import type { HarnessInfo } from './index.js';

/**
 * Starts one Kafka (version from SYNCHOOK_KAFKA_VERSION, default 3.9) and one registry for the
 * integration project and hands their addresses to the tests through provide/inject.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const version = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
  const started = Date.now();
  const [kafka, registry] = await Promise.all([startKafka({ version }), startRegistry({ compatibility: 'BACKWARD' })]) as [StartedKafka, StartedRegistry];
  process.stdout.write(`harness: Kafka ${kafka.version} at ${kafka.bootstrap} (SASL_SSL ${kafka.saslBootstrap}), registry ${registry.version} at ${registry.url}, up in ${Date.now() - started} ms\n`);
  const info: HarnessInfo = {
    kafka: {
      version: kafka.version,
      clusterId: kafka.clusterId,
      bootstrap: kafka.bootstrap,
      saslBootstrap: kafka.saslBootstrap,
      caFile: kafka.caFile,
      clientCertFile: kafka.clientCertFile,
      clientKeyFile: kafka.clientKeyFile,
      admin: kafka.admin,
      users: kafka.users,
      dataDir: kafka.dataDir,
      libsDir: kafka.libsDir,
    },
    registry: { url: registry.url, baseUrl: registry.baseUrl, version: registry.version },
  };
  project.provide('harness', info);
  return async () => {
    await Promise.all([kafka.stop(), registry.stop()]);
  };
}
