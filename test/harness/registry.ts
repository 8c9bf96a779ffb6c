/**
 * Starts a real schema registry for the tests: Apicurio Registry (installed by
 * scripts/install-registry.sh) serving the Confluent REST API at /apis/ccompat/v7, with its data in
 * an in-memory H2 database, listening on a free port on 127.0.0.1 only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from './ports.js';

export interface StartedRegistry {
  /** The Confluent-compatible API, e.g. http://127.0.0.1:41234/apis/ccompat/v7 */
  url: string;
  /** The server root, e.g. http://127.0.0.1:41234 (Apicurio's own API lives at /apis/registry/v3). */
  baseUrl: string;
  /** Apicurio Registry version, e.g. 3.0.9. */
  version: string;
  /** The JVM's standard output and error; removed by stop() and kill() unless keepLog is set. */
  logFile: string;
  pid: number;
  /** Milliseconds from spawning the JVM to the registry answering and the global rule being set. */
  startupMs: number;
  /** SIGTERM, then SIGKILL if the JVM has not exited after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once, like a crash. */
  kill(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Global compatibility level set through PUT /config before returning. Default BACKWARD. */
  compatibility?: string;
  /** Apicurio Registry version; default $SYNCHOOK_REGISTRY_VERSION or 3.0.9 (newest for Java 17). */
  version?: string;
  /** Receives the harness's progress lines (the JVM's own output goes to logFile). */
  log?: (line: string) => void;
  /** Bound on the wait for the registry to answer. Default 90 s. */
  readyTimeoutMs?: number;
  /**
   * Extra Apicurio/Quarkus configuration passed as -D system properties, e.g.
   * { 'apicurio.ccompat.use-canonical-hash': 'true' } to match schemas by canonical form.
   */
  properties?: Record<string, string>;
  /** Keep the run folder with logFile after stop() and kill(); by default they remove it. */
  keepLog?: boolean;
}

export const DEFAULT_REGISTRY_VERSION = '3.0.9';
const CCOMPAT_PATH = '/apis/ccompat/v7';
const STOP_GRACE_MS = 10_000;
const PORT_ATTEMPTS = 3;
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_SCRIPT = join(REPO_ROOT, 'scripts', 'install-registry.sh');

/** Every registry JVM this process started and has not yet seen exit; killed when the process exits. */
const liveRegistries = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<StartedRegistry> {
  const version = opts.version ?? process.env.SYNCHOOK_REGISTRY_VERSION ?? DEFAULT_REGISTRY_VERSION;
  const log = opts.log ?? (() => undefined);
  const launcher = await ensureInstalled(version, log);
  const runDir = mkdtempSync(join(tmpdir(), 'synchook-registry-'));
  const logFile = join(runDir, 'registry.log');

  // The free port is found by binding and releasing it, so another process can take it before the
  // JVM binds; a lost race shows up as a bind error in the log and is retried on a new port.
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const started = await launch({ version, launcher, port, runDir, logFile, log, readyTimeoutMs: opts.readyTimeoutMs ?? 90_000, properties: opts.properties ?? {}, keepLog: opts.keepLog ?? false });
    if (started.ok) {
      const registry = started.registry;
      const compatibility = opts.compatibility ?? 'BACKWARD';
      try {
        await setGlobalCompatibility(registry.url, compatibility);
      } catch (error) {
        await registry.kill();
        throw error;
      }
      const startupMs = Date.now() - started.spawnedAt;
      log(`registry: Apicurio Registry ${version} ready at ${registry.url} in ${startupMs} ms (global compatibility ${compatibility}, log ${logFile})`);
      return { ...registry, startupMs };
    }
    if (!started.portTaken || attempt >= PORT_ATTEMPTS) throw new Error(started.error);
    log(`registry: port ${port} was taken before the registry bound it; retrying on another port`);
  }
}

type LaunchResult =
  | { ok: true; registry: Omit<StartedRegistry, 'startupMs'>; spawnedAt: number }
  | { ok: false; portTaken: boolean; error: string };

async function launch(args: {
  version: string;
  launcher: string;
  port: number;
  runDir: string;
  logFile: string;
  log: (line: string) => void;
  readyTimeoutMs: number;
  properties: Record<string, string>;
  keepLog: boolean;
}): Promise<LaunchResult> {
  const { version, launcher, port, runDir, logFile, log } = args;
  const baseUrl = `http://127.0.0.1:${port}`;
  const url = `${baseUrl}${CCOMPAT_PATH}`;
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const dialect = apicurioDialect(version);
  // Shown by the system info endpoint; tells this JVM apart from whatever else answers on the port.
  const instanceName = `synchook-test-registry-${process.pid}-${port}-${Date.now()}`;
  const jvmArgs = [
    // A test registry holds a few dozen schemas; a small heap and the serial collector keep two
    // registries and two Kafka brokers within a 2-core machine.
    '-Xms64m',
    '-Xmx384m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.io.tmpdir=${runDir}`,
    `-Dvertx.cacheDirBase=${join(runDir, 'vertx-cache')}`,
    '-Dquarkus.http.host=127.0.0.1',
    `-Dquarkus.http.port=${port}`,
    ...(dialect.nameProperty ? [`-D${dialect.nameProperty}=${instanceName}`] : []),
    // No TLS listener and no separate management interface: only the port above is opened.
    '-Dquarkus.http.insecure-requests=enabled',
    '-Dquarkus.management.enabled=false',
    ...dialect.extraProperties,
    ...Object.entries(args.properties).map(([key, value]) => `-D${key}=${value}`),
    '-jar',
    launcher,
  ];
  // setpriv --pdeathsig makes the kernel kill the JVM when the process that started it dies, even
  // by SIGKILL, where no exit handler runs. It is part of util-linux, so present on Debian. (The
  // kernel ties this to the starting thread: started from a worker thread, the JVM ends with it.)
  const command = hasSetpriv() ? 'setpriv' : java;
  const commandArgs = hasSetpriv() ? ['--pdeathsig', 'KILL', '--', java, ...jvmArgs] : jvmArgs;

  // A fresh log per attempt, so a retry after a lost port race is judged by its own output.
  const logFd = openSync(logFile, 'w');
  const spawnedAt = Date.now();
  let child: ChildProcess;
  try {
    // The JVM writes straight into the log file: no pipe that could fill up or break when the test
    // process goes away.
    child = spawn(command, commandArgs, { cwd: runDir, stdio: ['ignore', logFd, logFd], detached: false });
  } finally {
    closeSync(logFd);
  }
  track(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      liveRegistries.delete(child);
      resolveExit();
    });
    child.once('error', (error) => {
      spawnError = error;
      liveRegistries.delete(child);
      resolveExit();
    });
  });
  log(`registry: starting Apicurio Registry ${version} on ${baseUrl} (pid ${child.pid ?? '?'}, log ${logFile})`);

  const waitForExit = async (timeoutMs: number): Promise<boolean> => {
    if (exited || spawnError) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const result = await Promise.race([exitPromise.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  };
  const killProcess = async (): Promise<void> => {
    if (exited || spawnError) return;
    child.kill('SIGKILL');
    await waitForExit(STOP_GRACE_MS);
  };
  // The run folder holds the log and Vert.x's cache; a failed start keeps it for its error message.
  const removeRunDir = () => {
    if (!args.keepLog) rmSync(runDir, { recursive: true, force: true });
  };
  const kill = async (): Promise<void> => {
    await killProcess();
    removeRunDir();
  };
  const stop = async (): Promise<void> => {
    if (!exited && !spawnError) {
      child.kill('SIGTERM');
      if (!(await waitForExit(STOP_GRACE_MS))) {
        log(`registry: pid ${child.pid} did not stop within ${STOP_GRACE_MS} ms of SIGTERM; sending SIGKILL`);
        await killProcess();
      }
    }
    removeRunDir();
  };

  const deadline = spawnedAt + args.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) {
      return { ok: false, portTaken: false, error: `registry: could not run '${command}': ${spawnError.message}. Install Java 17+ or set JAVA_HOME.` };
    }
    if (exited) {
      const tail = logTail(logFile);
      const portTaken = /seems to be in use by another process|address already in use|port\(s\) already bound/i.test(tail);
      return { ok: false, portTaken, error: `registry: Apicurio Registry ${version} exited during startup (${describeExit(exited)}).${javaHint(exited, tail)} Log ${logFile}, last lines:\n${tail}` };
    }
    if (await isReady(baseUrl, dialect.infoPath, dialect.nameProperty ? instanceName : undefined)) {
      return { ok: true, spawnedAt, registry: { url, baseUrl, version, logFile, pid: child.pid ?? -1, stop, kill } };
    }
    await sleep(250);
  }
  await killProcess();
  return {
    ok: false,
    portTaken: false,
    error: `registry: Apicurio Registry ${version} did not answer at ${url} within ${args.readyTimeoutMs / 1000} s; it was killed. Log ${logFile}, last lines:\n${logTail(logFile)}`,
  };
}

/**
 * Ready means this JVM answers: its instance name (another server may hold the port if we lost the
 * race for it), the health check and the Confluent API all come up with the app.
 */
async function isReady(baseUrl: string, infoPath: string, instanceName: string | undefined): Promise<boolean> {
  try {
    const info = await fetch(`${baseUrl}${infoPath}`, { signal: AbortSignal.timeout(2_000) });
    if (!info.ok) return false;
    const { name } = (await info.json()) as { name?: string };
    if (instanceName && name !== instanceName) return false;
    const health = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await health.arrayBuffer();
    if (!health.ok) return false;
    const subjects = await fetch(`${baseUrl}${CCOMPAT_PATH}/subjects`, { signal: AbortSignal.timeout(2_000) });
    await subjects.arrayBuffer();
    return subjects.ok;
  } catch {
    return false;
  }
}

/** Where 2.x and 3.x differ in what the harness uses. 2.x is the fallback when 3.x cannot run. */
function apicurioDialect(version: string): { infoPath: string; nameProperty?: string; extraProperties: string[] } {
  if (Number.parseInt(version, 10) >= 3) {
    return {
      infoPath: '/apis/registry/v3/system/info',
      nameProperty: 'apicurio.app.name',
      // The default pool opens 20 H2 connections up front; a test needs a few.
      extraProperties: ['-Dapicurio.datasource.jdbc.initial-size=2', '-Dapicurio.datasource.jdbc.min-size=2'],
    };
  }
  // 2.x reports a fixed name, so its instance cannot be told apart by it.
  return { infoPath: '/apis/registry/v2/system/info', extraProperties: [] };
}

/** Without a global rule Apicurio accepts any new version, so compatibility would never be checked. */
async function setGlobalCompatibility(url: string, compatibility: string): Promise<void> {
  const response = await fetch(`${url}/config`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility }),
  });
  const body = await response.text();
  if (!response.ok) {
    throw new Error(`registry: PUT ${url}/config {"compatibility":"${compatibility}"} failed with HTTP ${response.status}: ${body}. Use one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE.`);
  }
}

/** Runs scripts/install-registry.sh when the version is not installed yet; returns the jar to run. */
async function ensureInstalled(version: string, log: (line: string) => void): Promise<string> {
  const home = join(process.env.SYNCHOOK_CACHE || join(homedir(), '.cache', 'synchook'), `apicurio-registry-${version}`);
  const installed = readLauncher(home);
  if (installed) return installed;
  log(`registry: Apicurio Registry ${version} is not installed; running scripts/install-registry.sh ${version}`);
  // Asynchronous, so that a Kafka started alongside keeps making progress during the download.
  const install = await new Promise<{ code: number | null; output: string }>((resolveInstall) => {
    const child = spawn('bash', [INSTALL_SCRIPT, version], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolveInstall({ code: null, output: `${output}${error.message}` }));
    child.on('close', (code) => resolveInstall({ code, output }));
  });
  if (install.code !== 0) {
    throw new Error(`registry: scripts/install-registry.sh ${version} failed (exit ${install.code ?? 'unknown'}):\n${install.output.trim()}`);
  }
  log(install.output.trim());
  const launcher = readLauncher(home);
  if (!launcher) throw new Error(`registry: scripts/install-registry.sh ${version} succeeded but ${home}/.installed names no launcher; delete ${home} and run it again.`);
  return launcher;
}

function readLauncher(home: string): string | undefined {
  const marker = join(home, '.installed');
  if (!existsSync(marker)) return undefined;
  const line = readFileSync(marker, 'utf8').split('\n').find((l) => l.startsWith('launcher='));
  const launcher = line ? resolve(home, line.slice('launcher='.length).trim()) : undefined;
  return launcher && existsSync(launcher) ? launcher : undefined;
}

function track(child: ChildProcess): void {
  liveRegistries.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous; a SIGKILL is. It covers normal exits and process.exit();
  // setpriv's parent-death signal covers the rest.
  process.on('exit', () => {
    for (const jvm of liveRegistries) jvm.kill('SIGKILL');
  });
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  if (setprivAvailable === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
    setprivAvailable = probe.status === 0;
  }
  return setprivAvailable;
}

function javaHint(exit: { code: number | null }, logTailText: string): string {
  if (exit.code === 127) return ' Java was not found: install Java 17+ or point JAVA_HOME at one.';
  if (!/UnsupportedClassVersionError/.test(logTailText)) return '';
  return ' The installed Java is too old for this Apicurio Registry version: 3.3+ needs Java 21; use 3.0.9 on Java 17 (SYNCHOOK_REGISTRY_VERSION) or point JAVA_HOME at a Java 21.';
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** The last lines of the log without Java stack frames, so the error and its causes stay visible. */
function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .filter((line) => !/^\s+at |^\s*\.\.\. \d+ more/.test(line))
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log written)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
