import type { TestProject } from 'vitest/node';
import { startKafka, type StartedKafka } from './kafka.js';
import { startRegistry, type StartedRegistry } from './registry.js';
import type { HarnessInfo } from './index.js';
import { startConnect, type StartedConnect } from './connect.js';

/** Test files that need the Kafka Connect worker; it is started only when one of them runs. */
const CONNECT_TEST_FILE = /\/connect[^/]*\.test\.ts$/;

async function runsConnectTests(project: TestProject): Promise<boolean> {
  // The command line's file filters, as vitest itself applies them to the project's files.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const { testFiles } = await project.globTestFiles(filters);
  return testFiles.some((file) => CONNECT_TEST_FILE.test(file));
}

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
  let connect: StartedConnect | undefined;
  if (await runsConnectTests(project)) {
    const connectStarted = Date.now();
    connect = await startConnect({ bootstrap: kafka.bootstrap, version });
    process.stdout.write(`harness: Kafka Connect ${connect.version} at ${connect.url}, up in ${Date.now() - connectStarted} ms\n`);
    info.connect = { url: connect.url, version: connect.version, groupId: connect.groupId, logFile: connect.logFile };
  }
  project.provide('harness', info);
  return async () => {
    await connect?.stop();
    await Promise.all([kafka.stop(), registry.stop()]);
  };
}
