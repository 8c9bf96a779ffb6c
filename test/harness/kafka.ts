/**
 * Starts a real single-node Apache Kafka (KRaft, broker and controller in one JVM) from the jars
 * that scripts/install-kafka.sh puts in the cache, with the listeners synchook's tests need:
 *
 * - PLAINTEXT: no authentication; its principal User:ANONYMOUS is a super user (test setup).
 * - SASL_SSL: SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN over TLS (a throwaway CA), client
 *   certificates requested but not required. Authorization by ACLs (StandardAuthorizer).
 * - CONTROLLER: KRaft's own listener, PLAINTEXT.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { cp, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { createTestCertificates, type TestCertificates } from './certs.js';
import { findFreePorts } from './ports.js';

const execFileAsync = promisify(execFile);

/** The Kafka releases the tests run against, by the short name SYNCHOOK_KAFKA_VERSION accepts. */
export const KAFKA_VERSIONS = { '3.9': '3.9.2', '4': '4.4.0' } as const;
export type KafkaVersionName = keyof typeof KAFKA_VERSIONS;
export const DEFAULT_KAFKA_VERSION: KafkaVersionName = '3.9';

export interface KafkaUser {
  username: string;
  password: string;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StartedKafka {
  /** Full release, e.g. "3.9.2". */
  version: string;
  clusterId: string;
  /** "127.0.0.1:<port>", PLAINTEXT; its principal (User:ANONYMOUS) is a super user. */
  bootstrap: string;
  /** "127.0.0.1:<port>", SASL_SSL with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN. */
  saslBootstrap: string;
  /** CA that signed the broker certificate (SAN IP:127.0.0.1, DNS:localhost). */
  caFile: string;
  caPem: string;
  /** A client certificate and key signed by the same CA, for mutual TLS. */
  clientCertFile: string;
  clientKeyFile: string;
  /** Super user over SASL: SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN all accept these credentials. */
  admin: KafkaUser;
  /** Users without ACLs (so denied everything until a test grants it): `app`, `limited`. */
  users: Record<string, KafkaUser>;
  ports: { plaintext: number; saslSsl: number; controller: number };
  dataDir: string;
  /** Broker log (log4j) plus the JVM's own output. */
  logFile: string;
  libsDir: string;
  /** Classpath directory of the CLI tools; differs from libsDir when kafka-tools lags the release. */
  toolsLibsDir: string;
  /** Process id of the running JVM, undefined while stopped. */
  readonly pid: number | undefined;
  /**
   * Runs a Kafka command-line tool on the same install, e.g.
   * `runTool('kafka-configs', ['--bootstrap-server', kafka.bootstrap, ...])`. Accepts the script
   * names in TOOL_MAIN_CLASSES or a fully qualified main class.
   */
  runTool(mainClass: string, args: string[], options?: { timeoutMs?: number }): Promise<ToolResult>;
  /** SIGTERM, wait for a clean shutdown (SIGKILL after 20 s), then delete dataDir unless keepData. */
  stop(): Promise<void>;
  /** SIGKILL, for fault tests; the data stays so restart() can recover it. */
  kill(): Promise<void>;
  /** Starts again on the same ports and data after kill() or stop() with keepData, and waits until ready. */
  restart(): Promise<void>;
}

export interface StartKafkaOptions {
  /** "3.9", "4", or a full release such as "3.9.2"; default SYNCHOOK_KAFKA_VERSION, else 3.9. */
  version?: string;
  /** Keep dataDir after stop() (for restart() after stop, or to read it afterwards). */
  keepData?: boolean;
  /** Broker properties added to, or overriding, the harness's server.properties. */
  extraProps?: Record<string, string>;
  /** Receives each line of the broker log as it is written. */
  log?: (line: string) => void;
  /** How long to wait for the broker to answer; default 180 s (a loaded machine can take minutes to start a JVM broker). */
  startTimeoutMs?: number;
  /** JVM flags after the harness's own, e.g. ['-XX:TieredStopAtLevel=4'] to measure throughput with C2. */
  jvmOptions?: string[];
}

/** Script name → main class, newest location first (commands moved from core to tools over releases). */
export const TOOL_MAIN_CLASSES: Record<string, readonly string[]> = {
  'kafka-topics': ['org.apache.kafka.tools.TopicCommand'],
  'kafka-configs': ['org.apache.kafka.tools.ConfigCommand', 'kafka.admin.ConfigCommand'],
  'kafka-acls': ['org.apache.kafka.tools.AclCommand', 'kafka.admin.AclCommand'],
  'kafka-consumer-groups': ['org.apache.kafka.tools.consumer.group.ConsumerGroupCommand'],
  'kafka-console-producer': ['org.apache.kafka.tools.ConsoleProducer', 'kafka.tools.ConsoleProducer'],
  'kafka-console-consumer': ['org.apache.kafka.tools.consumer.ConsoleConsumer', 'kafka.tools.ConsoleConsumer'],
  'kafka-get-offsets': ['org.apache.kafka.tools.GetOffsetShell'],
  'kafka-delete-records': ['org.apache.kafka.tools.DeleteRecordsCommand'],
  'kafka-metadata-quorum': ['org.apache.kafka.tools.MetadataQuorumCommand'],
  'kafka-features': ['org.apache.kafka.tools.FeatureCommand'],
  'kafka-broker-api-versions': ['org.apache.kafka.tools.BrokerApiVersionsCommand', 'kafka.admin.BrokerApiVersionsCommand'],
  'kafka-storage': ['kafka.tools.StorageTool'],
};

const ADMIN: KafkaUser = { username: 'admin', password: 'admin-secret' };
const NON_SUPER_USERS: Record<string, KafkaUser> = {
  app: { username: 'app', password: 'app-secret' },
  limited: { username: 'limited', password: 'limited-secret' },
};

const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-kafka.sh', import.meta.url));
const STOP_GRACE_MS = 20_000;

/** Maps "3.9", "4", "4.4" or "3.9.2" to a full release; throws for names it cannot place. */
export function resolveKafkaVersion(requested: string = process.env.SYNCHOOK_KAFKA_VERSION || DEFAULT_KAFKA_VERSION): string {
  const name = requested.trim();
  if (name in KAFKA_VERSIONS) return KAFKA_VERSIONS[name as KafkaVersionName];
  if (/^\d+\.\d+\.\d+$/.test(name)) return name;
  const known = Object.values(KAFKA_VERSIONS).find((full) => full.startsWith(`${name}.`));
  if (known) return known;
  throw new Error(`Kafka version "${requested}" is not one the harness knows: use 3.9 or 4 (SYNCHOOK_KAFKA_VERSION), or a full release such as ${KAFKA_VERSIONS['3.9']}.`);
}

export function kafkaCacheDir(): string {
  return process.env.SYNCHOOK_CACHE || join(homedir(), '.cache', 'synchook');
}

export interface KafkaInstall {
  version: string;
  home: string;
  libsDir: string;
  toolsLibsDir: string;
}

/** Installs the release's jars when they are not in the cache yet (a no-op taking a few ms otherwise). */
export async function ensureKafkaInstalled(version: string): Promise<KafkaInstall> {
  const home = join(kafkaCacheDir(), `kafka-${version}`);
  try {
    await execFileAsync('bash', [INSTALL_SCRIPT, version], { env: { ...process.env, SYNCHOOK_CACHE: kafkaCacheDir() }, maxBuffer: 4 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`Kafka ${version} could not be installed by scripts/install-kafka.sh:\n${`${stdout}${stderr}`.trim()}`);
  }
  const toolsLibsDir = join(home, 'tools-libs');
  return { version, home, libsDir: join(home, 'libs'), toolsLibsDir: existsSync(toolsLibsDir) ? toolsLibsDir : join(home, 'libs') };
}

// JVM flags chosen for start-up time on a 2-core machine: a small heap, the serial collector (no
// GC threads to schedule), and C1 only (C2 compilation competes with start-up for CPU and tests
// move little data; StartKafkaOptions.jvmOptions can turn it back on for throughput figures).
const BROKER_JVM_OPTIONS = ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Djava.awt.headless=true'];
const TOOL_JVM_OPTIONS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Djava.awt.headless=true'];

export function javaExecutable(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export function javaNotFound(error: unknown): Error | undefined {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  return new Error(`${javaExecutable()} not found: Kafka needs Java 17 or newer. Install it (Debian: apt-get install -y openjdk-17-jre-headless) or set JAVA_HOME.`);
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** Kafka's cluster id: 16 random bytes, URL-safe base64 without padding, never starting with '-'. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Logging configuration: log4j 1 (reload4j) properties for 3.x, log4j2 properties for 4.x. The
 * broker appends to the same file as the JVM's own output; tools write warnings to stderr.
 */
export function loggingConfig(version: string, target: { file: string } | 'stderr', level: 'INFO' | 'WARN'): { jvmOption: (path: string) => string; fileName: string; text: string } {
  const pattern = '[%d] %p %m (%c)%n';
  // The broker prints every config value at start-up (hundreds of lines per component).
  const quiet = ['org.apache.kafka.common.config.AbstractConfig', 'kafka.server.KafkaConfig', 'org.apache.kafka.clients.admin.AdminClientConfig'];
  if (majorOf(version) < 4) {
    const appender = target === 'stderr'
      ? ['log4j.appender.out=org.apache.log4j.ConsoleAppender', 'log4j.appender.out.Target=System.err']
      : ['log4j.appender.out=org.apache.log4j.FileAppender', `log4j.appender.out.File=${target.file}`, 'log4j.appender.out.Append=true'];
    return {
      fileName: 'log4j.properties',
      jvmOption: (path) => `-Dlog4j.configuration=file:${path}`,
      text: [`log4j.rootLogger=${level}, out`, ...appender, 'log4j.appender.out.layout=org.apache.log4j.PatternLayout', `log4j.appender.out.layout.ConversionPattern=${pattern}`,
        ...quiet.map((logger) => `log4j.logger.${logger}=WARN`)].join('\n') + '\n',
    };
  }
  const appender = target === 'stderr'
    ? ['appender.out.type=Console', 'appender.out.target=SYSTEM_ERR']
    : ['appender.out.type=File', `appender.out.fileName=${target.file}`, 'appender.out.append=true'];
  return {
    fileName: 'log4j2.properties',
    jvmOption: (path) => `-Dlog4j2.configurationFile=${path}`,
    text: ['status=warn', ...appender, 'appender.out.name=OUT', 'appender.out.layout.type=PatternLayout', `appender.out.layout.pattern=${pattern}`,
      `rootLogger.level=${level}`, 'rootLogger.appenderRef.out.ref=OUT',
      ...quiet.flatMap((logger, i) => [`logger.quiet${i}.name=${logger}`, `logger.quiet${i}.level=WARN`])].join('\n') + '\n',
  };
}

function jaasPlain(users: KafkaUser[]): string {
  return `org.apache.kafka.common.security.plain.PlainLoginModule required ${users.map((user) => `user_${user.username}="${user.password}"`).join(' ')};`;
}

function serverProperties(input: {
  version: string; ports: StartedKafka['ports']; logDirs: string; certs: { keystore: string; ca: string }; users: KafkaUser[]; extra: Record<string, string>;
}): string {
  const { ports } = input;
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${ports.controller}`,
    listeners: `PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://127.0.0.1:${ports.saslSsl},CONTROLLER://127.0.0.1:${ports.controller}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://127.0.0.1:${ports.saslSsl}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': input.logDirs,

    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // ANONYMOUS is the principal of the PLAINTEXT and CONTROLLER listeners: the broker's own
    // controller traffic and the tests' setup connections.
    'super.users': `User:ANONYMOUS;User:${ADMIN.username}`,
    'allow.everyone.if.no.acl.found': 'false',

    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': jaasPlain(input.users),
    'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
    'listener.name.sasl_ssl.ssl.keystore.location': input.certs.keystore,
    'listener.name.sasl_ssl.ssl.truststore.type': 'PEM',
    'listener.name.sasl_ssl.ssl.truststore.location': input.certs.ca,
    'listener.name.sasl_ssl.ssl.client.auth': 'requested',

    'num.partitions': '1',
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '5',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'num.network.threads': '2',
    'num.io.threads': '4',
    // After a SIGKILL the restarted controller refuses the broker's new registration until the
    // old one's session expires (default 9 s); a short session keeps restart() quick.
    'broker.session.timeout.ms': '3000',
    'broker.heartbeat.interval.ms': '500',
  };
  if (majorOf(input.version) >= 4) {
    props['share.coordinator.state.topic.replication.factor'] = '1';
    props['share.coordinator.state.topic.min.isr'] = '1';
  }
  Object.assign(props, input.extra);
  return Object.entries(props).map(([key, value]) => `${key}=${escapeProperty(value)}`).join('\n') + '\n';
}

function escapeProperty(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * What a failed start left in the log: the first error lines (a shutdown after a fatal error logs
 * hundreds of lines after the cause) and then the last lines.
 */
export async function logExcerpt(file: string, lastLines = 20): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return `(no log at ${file})`;
  }
  const lines = text.trimEnd().split('\n');
  const errors = lines.filter((line) => /\b(ERROR|FATAL)\b|Exception|Caused by/.test(line)).slice(0, 12);
  const last = lines.slice(-lastLines);
  const parts = errors.length > 0 ? [`First errors in ${file}:`, ...errors, `Last lines of ${file}:`, ...last] : [`Last lines of ${file}:`, ...last];
  return parts.join('\n');
}

// Runs detached, so it outlives this process: while this process ($0) lives it only watches; once
// the broker ($1) exits it has nothing to do; once this process is gone it kills the broker and
// deletes the data dir ($2, empty when the data is to be kept).
const WATCHDOG_SCRIPT = `
while kill -0 "$0" 2>/dev/null; do
  kill -0 "$1" 2>/dev/null || exit 0
  sleep 1
done
kill -9 "$1" 2>/dev/null
while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
[ -n "$2" ] && rm -rf "$2"
exit 0`;

// Every broker JVM this process started and has not seen exit, and every data dir not kept and not
// yet deleted: a test run that ends without stop() leaves neither behind.
const liveBrokers = new Set<ChildProcess>();
const disposableDataDirs = new Set<string>();
let exitHookInstalled = false;

function cleanUpOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const broker of liveBrokers) broker.kill('SIGKILL');
    for (const dir of disposableDataDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Best effort while exiting; the watchdog removes it too.
      }
    }
  });
}

/** Kills the process (SIGKILL) and deletes dataDirToRemove when this test process exits, even by a signal (also etcd and kube-apiserver, test/harness/kubernetes.ts). */
export function trackBroker(child: ChildProcess, dataDirToRemove: string | undefined): void {
  liveBrokers.add(child);
  child.once('exit', () => liveBrokers.delete(child));
  cleanUpOnExit();
  // The 'exit' hook does not run when this process is killed by a signal (or by Ctrl-C, which also
  // starts the broker's own shutdown but leaves its data behind).
  if (child.pid) {
    spawn('sh', ['-c', WATCHDOG_SCRIPT, String(process.pid), String(child.pid), dataDirToRemove ?? ''], { detached: true, stdio: 'ignore' }).unref();
  }
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

class AddressInUseError extends Error {}

/** Starts a broker+controller node and resolves once a client can describe the cluster. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<StartedKafka> {
  const version = resolveKafkaVersion(options.version);
  const install = await ensureKafkaInstalled(version);
  // Free ports can be taken by another process before the broker binds them; try fresh ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(install, options);
    } catch (error) {
      if (!(error instanceof AddressInUseError) || attempt >= 3) throw error;
    }
  }
}

async function startOnce(install: KafkaInstall, options: StartKafkaOptions): Promise<StartedKafka> {
  const { version, libsDir, toolsLibsDir } = install;
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string) => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };

  const dataDir = await mkdtemp(join(tmpdir(), `synchook-kafka-${version}-`));
  if (!options.keepData) {
    disposableDataDirs.add(dataDir);
    cleanUpOnExit();
  }
  const logFile = join(dataDir, 'kafka.log');
  const logDirs = join(dataDir, 'kraft-logs');
  const propertiesFile = join(dataDir, 'server.properties');
  const brokerLogging = loggingConfig(version, { file: logFile }, 'INFO');
  const brokerLoggingFile = join(dataDir, brokerLogging.fileName);
  const users = [ADMIN, ...Object.values(NON_SUPER_USERS)];
  const startTimeoutMs = options.startTimeoutMs ?? 180_000;
  let child: ChildProcess | undefined;
  let stoppedForGood = false;
  const logTail = startLogTail(logFile, options.log);

  let ports: StartedKafka['ports'];
  let certs: TestCertificates;
  let clusterId: string;
  const bootstrap = () => `127.0.0.1:${ports.plaintext}`;
  const launch = async (): Promise<void> => {
    // The JVM's own output (crashes, bind errors before log4j is up) goes to the same file, appended.
    const fd = openSync(logFile, 'a');
    try {
      child = spawn(javaExecutable(), [...BROKER_JVM_OPTIONS, ...(options.jvmOptions ?? []), brokerLogging.jvmOption(brokerLoggingFile), '-cp', `${libsDir}/*`, 'kafka.Kafka', propertiesFile],
        { cwd: dataDir, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const started = child;
    await new Promise<void>((resolve, reject) => {
      started.once('spawn', resolve);
      started.once('error', (error) => reject(javaNotFound(error) ?? new Error(`could not start ${javaExecutable()} for Kafka ${version}: ${error.message}`)));
    });
    trackBroker(started, options.keepData ? undefined : dataDir);
    await waitUntilReady({ child: started, bootstrap: bootstrap(), version, logFile, timeoutMs: startTimeoutMs });
  };

  try {
    const [[plaintext, saslSsl, controller], made] = await Promise.all([findFreePorts(3), createTestCertificates(join(dataDir, 'certs'))]);
    ports = { plaintext: plaintext!, saslSsl: saslSsl!, controller: controller! };
    certs = made;
    await writeFile(propertiesFile, serverProperties({ version, ports, logDirs, certs: { keystore: certs.serverKeystoreFile, ca: certs.caFile }, users, extra: options.extraProps ?? {} }));
    await writeFile(brokerLoggingFile, brokerLogging.text);
    lap('prepare');
    clusterId = await prepareStorage({ install, propertiesFile, users, dataDir, logDirs, logFile, extraProps: options.extraProps ?? {}, loggingOption: brokerLogging.jvmOption(brokerLoggingFile) });
    lap('storage');
    await launch();
  } catch (error) {
    if (child) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
    logTail.stop();
    if (!options.keepData) {
      await rm(dataDir, { recursive: true, force: true });
      disposableDataDirs.delete(dataDir);
    }
    throw error;
  }
  lap('broker');
  options.log?.(`kafka ${version}: prepare ${timings.prepare} ms, storage ${timings.storage} ms, broker ready ${timings.broker} ms`);

  const kill = async () => {
    if (!child) return;
    child.kill('SIGKILL');
    await waitForExit(child, 10_000);
    child = undefined;
  };

  return {
    version,
    clusterId,
    bootstrap: bootstrap(),
    saslBootstrap: `127.0.0.1:${ports.saslSsl}`,
    caFile: certs.caFile,
    caPem: certs.caPem,
    clientCertFile: certs.clientCertFile,
    clientKeyFile: certs.clientKeyFile,
    admin: { ...ADMIN },
    users: Object.fromEntries(Object.entries(NON_SUPER_USERS).map(([name, user]) => [name, { ...user }])),
    ports,
    dataDir,
    logFile,
    libsDir,
    toolsLibsDir,
    get pid() {
      return child?.pid;
    },
    runTool: (mainClass, args, toolOptions) => runKafkaTool({ install, mainClass, args, timeoutMs: toolOptions?.timeoutMs }),
    async stop() {
      if (child) {
        const running = child;
        running.kill('SIGTERM');
        if (!(await waitForExit(running, STOP_GRACE_MS))) {
          running.kill('SIGKILL');
          await waitForExit(running, 10_000);
        }
        child = undefined;
      }
      logTail.stop();
      if (!options.keepData && !stoppedForGood) {
        stoppedForGood = true;
        await rm(dataDir, { recursive: true, force: true });
        disposableDataDirs.delete(dataDir);
      }
    },
    kill,
    async restart() {
      if (stoppedForGood) throw new Error(`Kafka ${version} at ${bootstrap()} was stopped and its data deleted; start it with keepData: true to restart it after stop().`);
      if (child) await kill();
      logTail.start();
      try {
        await launch();
      } catch (error) {
        await kill();
        throw error;
      }
    },
  };
}

/**
 * Gives the node formatted storage and returns its cluster id. Formatting runs the storage tool in a
 * JVM of its own (most of a second), so the first format of a combination of release, users and
 * extra properties is kept in the cache and later starts copy it. Nodes started from one copy share
 * the cluster id; they are separate clusters all the same.
 */
async function prepareStorage(input: {
  install: KafkaInstall; propertiesFile: string; users: KafkaUser[]; dataDir: string; logDirs: string; logFile: string; extraProps: Record<string, string>; loggingOption: string;
}): Promise<string> {
  const { install } = input;
  const key = createHash('sha256')
    .update(JSON.stringify({ version: install.version, users: input.users, extra: Object.entries(input.extraProps).sort(), format: 1 }))
    .digest('hex')
    .slice(0, 16);
  const template = join(install.home, 'formatted', key);
  try {
    const clusterId = (await readFile(join(template, 'cluster-id'), 'utf8')).trim();
    await cp(join(template, 'storage'), input.logDirs, { recursive: true });
    return clusterId;
  } catch {
    // Not formatted before (or a partial copy): format now.
    await rm(input.logDirs, { recursive: true, force: true });
  }
  const clusterId = newClusterId();
  await formatStorage({ ...input, version: install.version, libsDir: install.libsDir, clusterId });
  // Publish the template with a rename so a concurrent start never copies a half-written one.
  const staging = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await cp(input.logDirs, join(staging, 'storage'), { recursive: true });
    await writeFile(join(staging, 'cluster-id'), `${clusterId}\n`);
    await rename(staging, template);
  } catch {
    // Another start published the same template first; this node keeps its own format.
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return clusterId;
}

export async function formatStorage(input: {
  version: string; libsDir: string; propertiesFile: string; clusterId: string; users: KafkaUser[]; dataDir: string; logFile: string; loggingOption: string;
}): Promise<void> {
  // SCRAM credentials go into the bootstrap metadata at format time (KIP-900), so they exist
  // before the first client connects; no broker round trip is needed to create them.
  const scram = input.users.flatMap((user) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${user.username},password=${user.password}]`]));
  const args = [...TOOL_JVM_OPTIONS, input.loggingOption, '-cp', `${input.libsDir}/*`, 'kafka.tools.StorageTool', 'format', '-t', input.clusterId, '-c', input.propertiesFile, ...scram];
  try {
    await execFileAsync(javaExecutable(), args, { cwd: input.dataDir, maxBuffer: 4 * 1024 * 1024, timeout: 60_000 });
  } catch (error) {
    const missing = javaNotFound(error);
    if (missing) throw missing;
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`kafka-storage format failed for Kafka ${input.version} in ${input.dataDir}: ${`${stdout}${stderr}`.trim() || message}`);
  }
}

async function waitUntilReady(input: { child: ChildProcess; bootstrap: string; version: string; logFile: string; timeoutMs: number }): Promise<void> {
  const { child, bootstrap, version, logFile, timeoutMs } = input;
  const kafka = new Kafka({ clientId: 'synchook-harness-ready', brokers: [bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 1_000, requestTimeout: 2_000, retry: { retries: 0 } });
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const excerpt = await logExcerpt(logFile);
      const message = `Kafka ${version} exited (${child.exitCode ?? child.signalCode}) before it was ready on ${bootstrap}.\n${excerpt}`;
      throw /Address already in use|BindException/.test(excerpt) ? new AddressInUseError(message) : new Error(message);
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) return;
      lastError = 'the cluster has no registered broker yet';
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Kafka ${version} did not answer describeCluster on ${bootstrap} within ${timeoutMs} ms (last error: ${lastError}).\n${await logExcerpt(logFile)}`);
}

/** Follows the log file and hands new complete lines to `log`; does nothing without a callback. */
function startLogTail(file: string, log: ((line: string) => void) | undefined): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let offset = 0;
  let partial = '';
  let reading = false;
  const poll = async () => {
    if (reading || !log) return;
    reading = true;
    try {
      const size = (await stat(file)).size;
      if (size <= offset) return;
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        const lines = (partial + buffer.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) log(line);
      } finally {
        await handle.close();
      }
    } catch {
      // The file appears once the JVM starts; until then there is nothing to follow.
    } finally {
      reading = false;
    }
  };
  const control = {
    start() {
      if (!log || timer) return;
      timer = setInterval(() => void poll(), 250);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      void poll();
    },
  };
  control.start();
  return control;
}

// Which candidate main class exists, per tools classpath, learnt on first use.
const resolvedToolClasses = new Map<string, string>();

export async function runKafkaTool(input: { install: KafkaInstall; mainClass: string; args: string[]; timeoutMs?: number }): Promise<ToolResult> {
  const { toolsLibsDir } = input.install;
  const loggingOption = await toolLoggingOption(input.install);
  const candidates = TOOL_MAIN_CLASSES[input.mainClass] ?? [input.mainClass];
  const cacheKey = `${toolsLibsDir}\0${input.mainClass}`;
  const known = resolvedToolClasses.get(cacheKey);
  for (const mainClass of known ? [known] : candidates) {
    const result = await runJava([...TOOL_JVM_OPTIONS, loggingOption, '-cp', `${toolsLibsDir}/*`, mainClass, ...input.args], input.timeoutMs ?? 60_000);
    if (result.code === 1 && /Could not find or load main class|ClassNotFoundException: /.test(result.stderr) && result.stderr.includes(mainClass)) continue;
    resolvedToolClasses.set(cacheKey, mainClass);
    return result;
  }
  throw new Error(`no main class for Kafka tool "${input.mainClass}" in ${toolsLibsDir} (tried ${candidates.join(', ')}); pass a fully qualified class name.`);
}

/** Tools log warnings to stderr; the file lives with the install so it outlives any data dir. */
async function toolLoggingOption(install: KafkaInstall): Promise<string> {
  const logging = loggingConfig(toolsVersionOf(install.toolsLibsDir) ?? install.version, 'stderr', 'WARN');
  const file = join(install.home, `tools-${logging.fileName}`);
  if (!existsSync(file)) {
    // Written aside and renamed so a concurrent tool run never reads half a file.
    const staging = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(staging, logging.text);
    await rename(staging, file);
  }
  return logging.jvmOption(file);
}

function toolsVersionOf(toolsLibsDir: string): string | undefined {
  try {
    const marker = readFileSync(join(toolsLibsDir, '..', '.installed'), 'utf8');
    return /^kafka-tools=(.+)$/m.exec(marker)?.[1];
  } catch {
    return undefined;
  }
}

function runJava(args: string[], timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(javaExecutable(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(javaNotFound(error) ?? new Error(`could not run ${javaExecutable()}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
