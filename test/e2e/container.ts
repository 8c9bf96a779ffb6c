import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GenericContainer, StartupCheckStrategy, getContainerRuntimeClient, type StartupStatus } from 'testcontainers';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs one of the project's scripts and returns its stdout. Its stderr (progress lines) is shown
 * as it comes; a failure is an error with the script's last lines, never a skipped test.
 */
export function runScript(script: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout.trim());
      else reject(new Error(`${script} ${args.join(' ')} failed with exit code ${code}:\n${stderr.split('\n').slice(-25).join('\n')}`));
    });
  });
}

/** Docker via the project's own daemon (scripts/docker-daemon.sh), for testcontainers and the CLI. */
export async function useProjectDocker(): Promise<string> {
  const line = await runScript('scripts/docker-daemon.sh', ['start']).catch((error: Error) => {
    throw new Error(`The image tests need a Docker engine and could not start one: ${error.message}`);
  });
  const host = /^DOCKER_HOST=(.+)$/m.exec(line)?.[1];
  if (!host) throw new Error(`scripts/docker-daemon.sh printed no DOCKER_HOST: ${line}`);
  process.env.DOCKER_HOST = host;
  // The reaper's image cannot be pulled here; every test removes its own containers.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  // testcontainers finds the host through the bridge network's gateway; this daemon has no
  // bridge (containers use the host network), so the host is named outright.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  return host;
}

/** Started once the container has exited, whatever its exit code (we assert on that ourselves). */
class ExitedStrategy extends StartupCheckStrategy {
  override async checkStartupState(dockerClient: Parameters<StartupCheckStrategy['checkStartupState']>[0], containerId: string): Promise<StartupStatus> {
    const info = await dockerClient.getContainer(containerId).inspect();
    return info.State.Running || info.State.Restarting ? 'PENDING' : 'SUCCESS';
  }
}

/** GenericContainer with the flag testcontainers has no method for: a read-only root file system. */
export class HookContainer extends GenericContainer {
  withReadOnlyRootFilesystem(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}

export interface RunResult {
  exitCode: number;
  output: string;
}

export interface RunOptions {
  /** Host folders bound read-only: host path → container path. */
  mounts: Record<string, string>;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs the image like the hook Job does: host network (everything is on 127.0.0.1), read-only
 * root file system with a tmpfs /tmp, user 65532, the config mounted read-only. Waits for the
 * container to exit and returns its exit code and output (stdout and stderr interleaved).
 */
export async function runHook(image: string, args: string[], options: RunOptions): Promise<RunResult> {
  const container = await hookContainer(image, args, options).withWaitStrategy(new ExitedStrategy()).withStartupTimeout(options.timeoutMs ?? 300_000).start();
  try {
    const client = await getContainerRuntimeClient();
    const info = await client.container.inspect(client.container.getById(container.getId()));
    return { exitCode: info.State.ExitCode, output: await collect(await container.logs()) };
  } finally {
    await container.stop({ remove: true, timeout: 1_000 });
  }
}

export function hookContainer(image: string, args: string[], options: RunOptions): HookContainer {
  return new HookContainer(image)
    .withNetworkMode('host')
    .withUser('65532:65532')
    .withReadOnlyRootFilesystem()
    .withTmpFs({ '/tmp': 'rw,noexec,nosuid,size=64m,mode=1777' })
    .withBindMounts(Object.entries(options.mounts).map(([source, target]) => ({ source, target, mode: 'ro' as const })))
    .withEnvironment(options.env ?? {})
    .withCommand(args);
}

export function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer | string) => (text += chunk.toString()));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}
