/**
 * Starts a real three-node Apache Kafka cluster (KRaft) from the same cached releases as the single
 * node (kafka.ts), for replication and reassignment tests.
 *
 * Each node is combined (broker and controller in one JVM, `process.roles=broker,controller`) with a
 * static quorum of the three controllers: three JVMs rather than four on a two-core machine, and a
 * quorum that still has a majority when one node is down. Only PLAINTEXT (no authentication; its
 * principal is allowed everything, no authorizer) and the CONTROLLER listener, on 127.0.0.1.
 *
 * Racks: nodes 1 and 2 are in `rack-a`, node 3 in `rack-b`. With two racks of unequal size a
 * placement that ignores racks shows (two replicas of a partition on rack-a only), which three
 * racks for three brokers would hide.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  ensureKafkaInstalled, formatStorage, javaExecutable, javaNotFound, logExcerpt, loggingConfig, newClusterId, resolveKafkaVersion, runKafkaTool, trackBroker, waitForExit,
  type KafkaInstall, type ToolResult,
} from './kafka.js';
import { findFreePorts } from './ports.js';

export interface ClusterNode {
  nodeId: number;
  rack: string;
  /** "127.0.0.1:<port>", PLAINTEXT. */
  address: string;
  logFile: string;
}

export interface StartedKafkaCluster {
  version: string;
  clusterId: string;
  /** Every broker's PLAINTEXT address, comma-separated (what synchook's cluster.brokers takes). */
  bootstrap: string;
  nodes: ClusterNode[];
  dataDir: string;
  runTool(mainClass: string, args: string[], options?: { timeoutMs?: number }): Promise<ToolResult>;
  /** SIGTERM every node, wait for the shutdown (SIGKILL after 20 s), delete dataDir. */
  stop(): Promise<void>;
}

export interface StartKafkaClusterOptions {
  /** "3.9", "4", or a full release; default SYNCHOOK_KAFKA_VERSION, else 3.9. */
  version?: string;
  /** How long to wait for all three brokers to register; default 120 s. */
  startTimeoutMs?: number;
}

export const CLUSTER_RACKS = ['rack-a', 'rack-a', 'rack-b'] as const;

// Three JVMs share two cores and the tests move little data: a heap of 256 MiB each, the serial
// collector and C1 only (as for the single node).
const NODE_JVM_OPTIONS = ['-Xms128m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Djava.awt.headless=true'];
const STOP_GRACE_MS = 20_000;

class AddressInUseError extends Error {}

export async function startKafkaCluster(options: StartKafkaClusterOptions = {}): Promise<StartedKafkaCluster> {
  const install = await ensureKafkaInstalled(resolveKafkaVersion(options.version));
  // Free ports can be taken before a node binds them; start again on fresh ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(install, options);
    } catch (error) {
      if (!(error instanceof AddressInUseError) || attempt >= 3) throw error;
    }
  }
}

interface NodeLayout {
  nodeId: number;
  rack: string;
  port: number;
  controllerPort: number;
  dir: string;
  propertiesFile: string;
  logFile: string;
  /** The JVM flag that points log4j at this node's logging config. */
  loggingOption: string;
}

function nodeProperties(version: string, node: NodeLayout, voters: string): string {
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(node.nodeId),
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': join(node.dir, 'kraft-logs'),
    'broker.rack': node.rack,
    'num.partitions': '1',
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'offsets.topic.replication.factor': '3',
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.replication.factor': '3',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '5',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'num.network.threads': '2',
    'num.io.threads': '2',
    'num.replica.fetchers': '1',
    // The cleaner's dedupe buffer defaults to 128 MiB, half the heap.
    'log.cleaner.dedupe.buffer.size': String(8 * 1024 * 1024),
    'broker.session.timeout.ms': '3000',
    'broker.heartbeat.interval.ms': '500',
  };
  if (Number(version.split('.')[0]) >= 4) {
    props['share.coordinator.state.topic.replication.factor'] = '3';
    props['share.coordinator.state.topic.min.isr'] = '1';
  }
  return Object.entries(props).map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

async function startOnce(install: KafkaInstall, options: StartKafkaClusterOptions): Promise<StartedKafkaCluster> {
  const { version, libsDir } = install;
  const dataDir = await mkdtemp(join(tmpdir(), `synchook-kafka-cluster-${version}-`));
  const children: ChildProcess[] = [];
  const ports = await findFreePorts(2 * CLUSTER_RACKS.length);
  const nodes: NodeLayout[] = CLUSTER_RACKS.map((rack, index) => {
    const dir = join(dataDir, `node-${index + 1}`);
    return {
      nodeId: index + 1,
      rack,
      port: ports[2 * index]!,
      controllerPort: ports[2 * index + 1]!,
      dir,
      propertiesFile: join(dir, 'server.properties'),
      logFile: join(dir, 'kafka.log'),
      loggingOption: '',
    };
  });
  const voters = nodes.map((node) => `${node.nodeId}@127.0.0.1:${node.controllerPort}`).join(',');
  const clusterId = newClusterId();
  const bootstrap = nodes.map((node) => `127.0.0.1:${node.port}`).join(',');

  const stopAll = async (signal: NodeJS.Signals) => {
    await Promise.all(children.map(async (child) => {
      child.kill(signal);
      if (!(await waitForExit(child, signal === 'SIGKILL' ? 10_000 : STOP_GRACE_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, 10_000);
      }
    }));
  };

  try {
    await Promise.all(nodes.map(async (node) => {
      await mkdir(node.dir, { recursive: true });
      const logging = loggingConfig(version, { file: node.logFile }, 'INFO');
      const loggingFile = join(node.dir, logging.fileName);
      await writeFile(loggingFile, logging.text);
      node.loggingOption = logging.jvmOption(loggingFile);
      await writeFile(node.propertiesFile, nodeProperties(version, node, voters));
      await formatStorage({ version, libsDir, propertiesFile: node.propertiesFile, clusterId, users: [], dataDir: node.dir, logFile: node.logFile, loggingOption: node.loggingOption });
    }));
    for (const node of nodes) {
      const fd = openSync(node.logFile, 'a');
      let child: ChildProcess;
      try {
        child = spawn(javaExecutable(), [...NODE_JVM_OPTIONS, node.loggingOption, '-cp', `${libsDir}/*`, 'kafka.Kafka', node.propertiesFile],
          { cwd: node.dir, stdio: ['ignore', fd, fd] });
      } finally {
        closeSync(fd);
      }
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) => reject(javaNotFound(error) ?? new Error(`could not start ${javaExecutable()} for Kafka ${version} node ${node.nodeId}: ${error.message}`)));
      });
      children.push(child);
      // The data dir goes with the first node's watchdog; the others only need killing.
      trackBroker(child, node.nodeId === 1 ? dataDir : undefined);
    }
    await waitUntilAllRegistered({ children, nodes, bootstrap, version, timeoutMs: options.startTimeoutMs ?? 120_000 });
  } catch (error) {
    await stopAll('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  return {
    version,
    clusterId,
    bootstrap,
    nodes: nodes.map((node) => ({ nodeId: node.nodeId, rack: node.rack, address: `127.0.0.1:${node.port}`, logFile: node.logFile })),
    dataDir,
    runTool: (mainClass, args, toolOptions) => runKafkaTool({ install, mainClass, args, timeoutMs: toolOptions?.timeoutMs }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAllRegistered(input: { children: ChildProcess[]; nodes: NodeLayout[]; bootstrap: string; version: string; timeoutMs: number }): Promise<void> {
  const kafka = new Kafka({ clientId: 'synchook-harness-cluster-ready', brokers: input.bootstrap.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 1_000, requestTimeout: 2_000, retry: { retries: 0 } });
  const deadline = Date.now() + input.timeoutMs;
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    for (const [index, child] of input.children.entries()) {
      if (child.exitCode === null && child.signalCode === null) continue;
      const excerpt = await logExcerpt(input.nodes[index]!.logFile);
      const message = `Kafka ${input.version} node ${index + 1} exited (${child.exitCode ?? child.signalCode}) before the cluster was ready.\n${excerpt}`;
      throw /Address already in use|BindException/.test(excerpt) ? new AddressInUseError(message) : new Error(message);
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === input.nodes.length) return;
      lastError = `${cluster.brokers.length} of ${input.nodes.length} brokers registered`;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const excerpts = await Promise.all(input.nodes.map((node) => logExcerpt(node.logFile, 8)));
  throw new Error(`Kafka ${input.version} cluster at ${input.bootstrap} was not ready within ${input.timeoutMs} ms (last: ${lastError}).\n${excerpts.join('\n')}`);
}
