import { resolveInputPath } from '../../config/input.js';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, SynchookError, TaskFailedError, UnreachableError, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TerraformSection } from './config.js';
import { parsePlanJson, type TerraformPlan } from './plan-json.js';

/** The outcome of running the program in a working directory: a plan, or the errors of a failed plan. */
export type WorkdirPlan = { status: 'planned'; plan: TerraformPlan } | { status: 'errored'; errors: string };

export interface WorkdirOptions {
  section: Pick<TerraformSection, 'workdir' | 'binary' | 'initArgs' | 'planArgs' | 'env'>;
  configDir: string;
  log: Logger;
  signal: AbortSignal;
  /** The environment the program inherits; the process's own by default. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Time between SIGTERM and SIGKILL when the run is stopped; KILL_GRACE_MS by default. */
  killGraceMs?: number;
}

/** Time Terraform gets to stop gracefully (and release its state lock) after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 10_000;
/** Lines of output kept to explain a failure. */
const TAIL_LINES = 80;

/**
 * `init`, `plan -out` and `show -json` in the working directory, the way CI runs Terraform
 * (https://developer.hashicorp.com/terraform/tutorials/automation/automate-terraform): no input,
 * no colour, TF_IN_AUTOMATION set. Output is streamed to the log line by line.
 */
export async function planInWorkdir(options: WorkdirOptions): Promise<WorkdirPlan> {
  const { section, configDir } = options;
  const workdir = resolveInputPath(configDir, section.workdir!, 'terraform.workdir');
  await requireFolder(workdir, section.workdir!);
  // A path names a program next to the config; a bare name (terraform, tofu) is looked up on PATH.
  const binary = section.binary.includes('/') && !isAbsolute(section.binary) ? resolve(configDir, section.binary) : section.binary;
  const env = {
    // Terraform needs the credentials the Job was given (cloud provider keys, TF_TOKEN_*), so it inherits the environment.
    ...(options.baseEnv ?? process.env),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    // No call to checkpoint-api.hashicorp.com for upgrade notices from inside a deploy hook.
    CHECKPOINT_DISABLE: '1',
    ...section.env,
  };
  const scratch = await mkdtemp(join(tmpdir(), 'synchook-terraform-'));
  // Messages name the program as a user knows it ("terraform init failed"), not by its full path.
  const program = basename(section.binary);
  const killGraceMs = options.killGraceMs ?? KILL_GRACE_MS;
  const run = (step: string, args: string[], capture = false) => runStep({ binary, args, step, cwd: workdir, env, capture, killGraceMs, log: options.log, signal: options.signal });
  try {
    const init = await run('init', ['init', '-input=false', '-no-color', ...section.initArgs]);
    if (init.code !== 0) {
      throw new UnreachableError(
        `${program} init failed in ${section.workdir} (exit ${init.code}): ${errorText(init.tail)} Check that the backend and the provider registry or mirror are reachable with the credentials given, then run again.`,
      );
    }
    const planFile = join(scratch, 'tfplan');
    const plan = await run('plan', ['plan', '-input=false', '-no-color', `-out=${planFile}`, ...section.planArgs]);
    // With -detailed-exitcode among planArgs, exit 2 means "succeeded, with changes".
    const planSucceeded = plan.code === 0 || (plan.code === 2 && section.planArgs.includes('-detailed-exitcode'));
    if (!planSucceeded) return { status: 'errored', errors: errorText(plan.tail) };
    const show = await run('show', ['show', '-json', '-no-color', planFile], true);
    if (show.code !== 0) {
      throw new TaskFailedError(`${program} show -json could not read the plan it just wrote (exit ${show.code}): ${errorText(show.tail)}`);
    }
    try {
      return { status: 'planned', plan: parsePlanJson(show.stdout, `${program} show -json (${section.workdir})`) };
    } catch (error) {
      throw new TaskFailedError(`${messageOf(error)} Check that terraform.binary is Terraform or OpenTofu.`, { cause: error });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function requireFolder(folder: string, shown: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (!info) throw new ConfigError(`terraform.workdir: ${shown} does not exist (looked for ${folder}). Point it at the folder of the Terraform root module, relative to the config file.`);
  if (!info.isDirectory()) throw new ConfigError(`terraform.workdir: ${shown} is a file, not a folder. Give the folder of the root module, or use planJson for a plan file.`);
}

interface StepOptions {
  binary: string;
  args: string[];
  step: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Keep stdout (show -json) instead of logging it. */
  capture: boolean;
  killGraceMs: number;
  log: Logger;
  signal: AbortSignal;
}

interface StepResult {
  code: number;
  stdout: string;
  /** The last lines of output, stderr and stdout interleaved, to explain a failure. */
  tail: string[];
}

/** Runs one command; rejects when the program cannot start, or with the abort reason once the child has ended. */
function runStep(options: StepOptions): Promise<StepResult> {
  const { log, signal, step } = options;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolvePromise, rejectPromise) => {
    log.info({ terraform: step }, `${options.binary} ${options.args.join(' ')}`);
    const child = spawn(options.binary, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const chunks: Buffer[] = [];
    let startError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const remember = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    const follow = (stream: NodeJS.ReadableStream, level: 'info' | 'warn') => {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        remember(line);
        if (line.trim() !== '') log[level]({ terraform: step }, line);
      });
    };
    if (options.capture) child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    else follow(child.stdout, 'info');
    follow(child.stderr, 'warn');

    const onAbort = () => {
      // SIGTERM lets Terraform stop gracefully and release the state lock. A request hanging on
      // an unresponsive backend does not end on SIGTERM, hence SIGKILL after a grace period.
      log.warn({ terraform: step }, `stopping ${options.binary} ${step}: ${messageOf(signal.reason)}`);
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error: NodeJS.ErrnoException) => {
      startError = error;
    });
    child.on('close', (code, killedBy) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (startError) return rejectPromise(startFailure(options.binary, startError));
      if (signal.aborted) return rejectPromise(signal.reason instanceof Error ? signal.reason : new SynchookError(messageOf(signal.reason), 1));
      if (code === null) return rejectPromise(new TaskFailedError(`${options.binary} ${step} was killed by ${killedBy ?? 'a signal'}.`));
      resolvePromise({ code, stdout: Buffer.concat(chunks).toString('utf8'), tail });
    });
  });
}

function startFailure(binary: string, error: NodeJS.ErrnoException): SynchookError {
  if (error.code === 'ENOENT') {
    return new UnreachableError(`${binary} was not found${binary.includes('/') ? '' : ' on PATH'}. Install Terraform or OpenTofu in the image, or set terraform.binary to its path.`);
  }
  if (error.code === 'EACCES') return new UnreachableError(`${binary} cannot be run (permission denied). Make it executable, or set terraform.binary to another program.`);
  return new UnreachableError(`${binary} could not be started (${error.code ?? error.message}). Check terraform.binary.`);
}

/**
 * Terraform's error diagnostics from the output, on one line: from the first line starting with
 * "Error" on, without the box drawing of its diagnostics; the last lines when there is none.
 */
function errorText(lines: readonly string[]): string {
  const clean = lines.map((line) => line.replace(/^[\s│╷╵]+/, '').trimEnd());
  const first = clean.findIndex((line) => /^Error\b/.test(line));
  const picked = (first >= 0 ? clean.slice(first) : clean.slice(-10)).filter((line) => line !== '');
  const text = picked.join(' ').replace(/\s+/g, ' ').trim();
  if (text === '') return '(no output).';
  const bounded = text.length > 1200 ? `${text.slice(0, 1199)}…` : text;
  return /[.!?…]$/.test(bounded) ? bounded : `${bounded}.`;
}
