/**
 * Runs one command as a child process and measures it from the outside: wall time from spawn to
 * exit, and peak resident memory. Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the
 * largest RSS of the process or of any descendant it waited for, in KiB); without GNU time, Node
 * processes report their own `process.resourceUsage().maxRSS` through an exit hook and other
 * commands go without a figure.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const GNU_TIME = '/usr/bin/time';
const RSS_HOOK = fileURLToPath(new URL('./rss-exit-hook.mjs', import.meta.url));

export interface Measured {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** Peak resident set size in KiB; undefined when it could not be measured. */
  peakRssKb: number | undefined;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kill the process after this long: a guard against a hung run, not a target. */
  killAfterMs?: number;
  /** Scratch folder for GNU time's output file. */
  scratchDir: string;
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

let counter = 0;

/** Runs `command args` with no standard input and resolves once it has exited. */
export function measure(command: string, args: string[], options: MeasureOptions): Promise<Measured> {
  const rssFile = join(options.scratchDir, `rss-${process.pid}-${++counter}.txt`);
  rmSync(rssFile, { force: true });
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) if (value !== undefined) env[key] = value;

  let file = command;
  let argv = args;
  if (hasGnuTime()) {
    file = GNU_TIME;
    argv = ['-f', '%M', '-o', rssFile, command, ...args];
  } else if (command === process.execPath) {
    // The hook is loaded before the program; it writes maxRSS when the process exits.
    argv = ['--import', pathToFileURL(RSS_HOOK).href, ...args];
    env.BENCH_RSS_FILE = rssFile;
  }

  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined;
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (guard) clearTimeout(guard);
      resolve({ code, signal, wallMs, peakRssKb: readRss(rssFile), stdout, stderr });
    });
  });
}

function readRss(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    rmSync(file, { force: true });
    // GNU time writes "Command exited with non-zero status N" before the figure when N != 0.
    const lines = text.trim().split('\n');
    const kb = Number(lines[lines.length - 1]);
    return Number.isFinite(kb) && kb > 0 ? kb : undefined;
  } catch {
    return undefined;
  }
}

/** Fails with the command's own output when it did not exit 0: a broken run must not produce a figure. */
export function expectSuccess(what: string, run: Measured): Measured {
  if (run.code === 0) return run;
  const output = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-25).join('\n');
  throw new Error(`${what} exited with ${run.signal ?? `code ${run.code}`} after ${Math.round(run.wallMs)} ms:\n${output}`);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
