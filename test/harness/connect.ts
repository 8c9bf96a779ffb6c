/**
 * Starts a real Kafka Connect worker in distributed mode from the jars scripts/install-connect.sh
 * puts in the cache, on 127.0.0.1, with its internal topics on a harness broker. The file and
 * MirrorMaker 2 connectors are loaded from plugin.path.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { javaExecutable, kafkaCacheDir, loggingConfig, resolveKafkaVersion, trackBroker, waitForExit } from './kafka.js';
import { findFreePort } from './ports.js';

const execFileAsync = promisify(execFile);
const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-connect.sh', import.meta.url));
const STOP_GRACE_MS = 20_000;
// A small heap and C1 only, as for the broker: the tests move little data and start-up dominates.
const WORKER_JVM_OPTIONS = ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Djava.awt.headless=true'];

export interface StartedConnect {
  /** Kafka release of the worker, e.g. "3.9.2"; the newest earlier release when the broker's has no connect plugins on Maven Central. */
  version: string;
  /** REST base URL, "http://127.0.0.1:<port>". */
  url: string;
  /** Consumer group of the worker and the prefix of its internal topics. */
  groupId: string;
  internalTopics: { config: string; offset: string; status: string };
  dataDir: string;
  logFile: string;
  readonly pid: number | undefined;
  /** SIGTERM, wait for a clean shutdown (SIGKILL after 20 s), then delete dataDir. */
  stop(): Promise<void>;
}

export interface StartConnectOptions {
  /** Bootstrap servers of the broker that holds the internal topics (PLAINTEXT, super user). */
  bootstrap: string;
  /** "3.9", "4" or a full release; default SYNCHOOK_KAFKA_VERSION, else 3.9. */
  version?: string;
  /** Worker properties added to, or overriding, the harness's. */
  extraProps?: Record<string, string>;
  /** How long to wait for the REST API and the group join; default 120 s. */
  startTimeoutMs?: number;
}

export async function ensureConnectInstalled(version: string): Promise<string> {
  try {
    await execFileAsync('bash', [INSTALL_SCRIPT, version], { env: { ...process.env, SYNCHOOK_CACHE: kafkaCacheDir() }, maxBuffer: 4 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`Kafka Connect ${version} could not be installed by scripts/install-connect.sh:\n${`${stdout}${stderr}`.trim()}`);
  }
  return join(kafkaCacheDir(), `connect-${version}`);
}

function workerProperties(input: { bootstrap: string; port: number; groupId: string; home: string; dataDir: string; extra: Record<string, string> }): string {
  const props: Record<string, string> = {
    'bootstrap.servers': input.bootstrap,
    'group.id': input.groupId,
    'config.storage.topic': `${input.groupId}-configs`,
    'offset.storage.topic': `${input.groupId}-offsets`,
    'status.storage.topic': `${input.groupId}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '1',
    'status.storage.partitions': '1',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter.schemas.enable': 'false',
    listeners: `http://127.0.0.1:${input.port}`,
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': String(input.port),
    'plugin.path': join(input.home, 'plugins'),
    // The manifests the plugins ship (KIP-898) instead of scanning every jar: seconds off start-up.
    'plugin.discovery': 'service_load',
    'offset.flush.interval.ms': '1000',
    // One worker: a connector of a worker that left need not wait to be reassigned.
    'scheduled.rebalance.max.delay.ms': '0',
    'task.shutdown.graceful.timeout.ms': '2000',
    // Secrets in connector configs come from files through this provider (never from synchook).
    'config.providers': 'file',
    'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    ...input.extra,
  };
  return Object.entries(props).map(([key, value]) => `${key}=${value.replace(/\\/g, '\\\\')}`).join('\n') + '\n';
}

export async function startConnect(options: StartConnectOptions): Promise<StartedConnect> {
  const version = resolveKafkaVersion(options.version);
  const home = await ensureConnectInstalled(version);
  // The worker's own release: one behind the broker when Maven Central lacks the connect plugins
  // of the broker's release (scripts/install-connect.sh).
  const runtime = /^runtime=(.+)$/m.exec(await readFile(join(home, '.installed'), 'utf8'))?.[1] ?? version;
  const dataDir = await mkdtemp(join(tmpdir(), `synchook-connect-${version}-`));
  const logFile = join(dataDir, 'connect.log');
  const logging = loggingConfig(version, { file: logFile }, 'INFO');
  const loggingFile = join(dataDir, logging.fileName);
  const propertiesFile = join(dataDir, 'worker.properties');
  const port = await findFreePort();
  const groupId = `synchook-connect-${port}`;
  await writeFile(loggingFile, logging.text);
  await writeFile(propertiesFile, workerProperties({ bootstrap: options.bootstrap, port, groupId, home, dataDir, extra: options.extraProps ?? {} }));

  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(javaExecutable(), [...WORKER_JVM_OPTIONS, logging.jvmOption(loggingFile), '-cp', `${home}/libs/*`, 'org.apache.kafka.connect.cli.ConnectDistributed', propertiesFile],
      { cwd: dataDir, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`could not start ${javaExecutable()} for Kafka Connect ${version}: ${error.message}`)));
  });
  trackBroker(child, dataDir);
  const url = `http://127.0.0.1:${port}`;
  let running: ChildProcess | undefined = child;
  const stop = async () => {
    if (running) {
      const worker = running;
      running = undefined;
      worker.kill('SIGTERM');
      if (!(await waitForExit(worker, STOP_GRACE_MS))) {
        worker.kill('SIGKILL');
        await waitForExit(worker, 10_000);
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, url, logFile, options.startTimeoutMs ?? 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    version: runtime,
    url,
    groupId,
    internalTopics: { config: `${groupId}-configs`, offset: `${groupId}-offsets`, status: `${groupId}-status` },
    dataDir,
    logFile,
    get pid() {
      return running?.pid;
    },
    stop,
  };
}

/**
 * Ready when GET / answers and GET /connectors answers 200: the second needs the worker to have
 * joined its group and read the config topic (it answers 409 or times out before).
 */
async function waitUntilReady(child: ChildProcess, url: string, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt made';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Kafka Connect exited (${child.exitCode ?? child.signalCode}) before it was ready at ${url}.\n${await logTail(logFile)}`);
    }
    try {
      const root = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) });
      if (root.ok) {
        const connectors = await fetch(`${url}/connectors`, { signal: AbortSignal.timeout(10_000) });
        if (connectors.ok) return;
        last = `GET /connectors answered ${connectors.status}`;
      } else {
        last = `GET / answered ${root.status}`;
      }
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Kafka Connect at ${url} was not ready within ${timeoutMs} ms (last: ${last}).\n${await logTail(logFile)}`);
}

async function logTail(file: string): Promise<string> {
  try {
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const errors = lines.filter((line) => /\b(ERROR|FATAL)\b|Exception/.test(line)).slice(0, 10);
    return [`First errors in ${file}:`, ...errors, `Last lines:`, ...lines.slice(-20)].join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
