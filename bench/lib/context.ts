/** What every scenario gets: where things are, and how to run synchook and the baselines. */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { expectSuccess, measure, type Measured } from './measure.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist', 'cli.js');
export const BASELINES_DIR = join(REPO_ROOT, 'bench', 'baselines');
const REQUEST_COUNT_HOOK = join(REPO_ROOT, 'bench', 'lib', 'request-count-hook.mjs');

export interface BenchContext {
  /** Short id in every topic and subject name of this run. */
  runId: string;
  /** This run's folder for fixtures, configs and scratch files. */
  workDir: string;
  bootstrap: string;
  registryUrl: string;
  kafka: { version: string; libsDir: string; toolsLibsDir: string; home: string };
  /** The naive kafkajs baseline, transpiled to plain JavaScript. */
  naiveScript: string;
  /** Topics run by the kafka-topics.sh loop; the figure is extrapolated to the scenario's count. */
  hookSample: number;
  /** Write a V8 CPU profile of every synchook run here (BENCH_CPU_PROF=1); undefined: no profiling. */
  cpuProfDir?: string;
  log(line: string): void;
  /** A connected admin on the PLAINTEXT listener, to check what a run left behind. */
  admin(): Promise<Admin>;
  /** The broker's log.dirs, when the bench started the broker (not with --reuse). */
  brokerLogDir?: string;
  /** --quick: 1,000 topics only, no naive kafkajs baselines, a short kafka-topics.sh sample. */
  quick: boolean;
  /** Topic counts of the scale series (scenario 10). */
  scale: number[];
  /** Figures one scenario leaves for another (scenario 1's creation of 1,000 for the scale series). */
  shared: { created?: ScaleFigure };
}

/** synchook and the broker floor creating the same number of topics in one run. */
export interface ScaleFigure {
  topics: number;
  synchookMs: number;
  floorMs: number;
  synchookRssKb?: number;
}

/** Requests a synchook process sent, by kind ("kafka DescribeConfigs", "http GET /subjects/{subject}/versions/latest"). */
export type RequestCounts = Record<string, { count: number; ms: number }>;

export interface SynchookRun extends Measured {
  /** Counted inside the process by bench/lib/request-count-hook.mjs; undefined when none were written. */
  requests?: RequestCounts;
}

/** Requests of the given prefix ("kafka ", "http ") in all. */
export function requestTotal(requests: RequestCounts | undefined, prefix: string): number | undefined {
  if (!requests) return undefined;
  return Object.entries(requests).reduce((sum, [key, entry]) => (key.startsWith(prefix) ? sum + entry.count : sum), 0);
}

/** "4 DescribeConfigs, 3 Metadata, 1 ApiVersions" for the requests of one prefix. */
export function describeRequests(requests: RequestCounts | undefined, prefix: string): string {
  if (!requests) return 'not counted';
  const entries = Object.entries(requests).filter(([key]) => key.startsWith(prefix)).sort((a, b) => b[1].count - a[1].count);
  return entries.length === 0 ? 'none' : entries.map(([key, entry]) => `${entry.count} ${key.slice(prefix.length)}`).join(', ');
}

export interface SynchookRunOptions {
  /** Names the CPU profile when profiling is on. */
  label: string;
  killAfterMs?: number;
  env?: Record<string, string | undefined>;
}

/** `node dist/cli.js <args>`: the built CLI as a process of its own, as a Job runs it. */
let requestFiles = 0;

export async function runSynchook(ctx: BenchContext, args: string[], options: SynchookRunOptions): Promise<SynchookRun> {
  const profile = ctx.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`, `--cpu-prof-name=${options.label}-${Date.now()}.cpuprofile`] : [];
  const requestsFile = join(ctx.workDir, `requests-${++requestFiles}.json`);
  rmSync(requestsFile, { force: true });
  const run = await measure(process.execPath, [...profile, '--import', pathToFileURL(REQUEST_COUNT_HOOK).href, CLI, ...args], {
    cwd: ctx.workDir,
    // GITHUB_* and a step summary from the calling shell must not turn the run into a report.
    env: { SYNCHOOK_LOG_LEVEL: 'info', GITHUB_STEP_SUMMARY: undefined, GITHUB_TOKEN: undefined, BENCH_REQUESTS_FILE: requestsFile, ...options.env },
    killAfterMs: options.killAfterMs ?? 180_000,
    scratchDir: ctx.workDir,
  });
  expectSuccess(`synchook ${args.join(' ')}`, run);
  let requests: RequestCounts | undefined;
  try {
    requests = JSON.parse(readFileSync(requestsFile, 'utf8')) as RequestCounts;
    rmSync(requestsFile, { force: true });
  } catch {
    requests = undefined;
  }
  return { ...run, requests };
}

let sharedAdmin: Promise<Admin> | undefined;

export function adminFor(bootstrap: string): () => Promise<Admin> {
  return () => {
    sharedAdmin ??= (async () => {
      const admin = new Kafka({ clientId: 'synchook-bench-check', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      return admin;
    })();
    return sharedAdmin;
  };
}

export async function closeAdmin(): Promise<void> {
  if (!sharedAdmin) return;
  const admin = await sharedAdmin.catch(() => undefined);
  sharedAdmin = undefined;
  await admin?.disconnect();
}

/**
 * Fails when the cluster does not list every named topic within a minute: a figure for work not
 * done is no figure. Polls, because a baseline that does not wait for its topics returns before
 * the broker's metadata shows the last ones (the wait is not part of its figure).
 */
export async function expectTopics(ctx: BenchContext, names: string[], who: string, waitMs = 60_000): Promise<void> {
  const admin = await ctx.admin();
  const until = Date.now() + waitMs;
  for (;;) {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((name) => !existing.has(name));
    if (missing.length === 0) return;
    if (Date.now() >= until) throw new Error(`${who} left ${missing.length} of ${names.length} topics uncreated (first: ${missing.slice(0, 3).join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Waits (up to 2 minutes, not measured) until the broker has a log folder for every partition of
 * these topics. The broker shows new topics in its metadata before it has created their logs, and
 * it goes on creating them in the background for a while; the next measurement must not pay for
 * the previous one's leftovers.
 */
export async function settleBroker(ctx: BenchContext, names: string[], partitions: number): Promise<void> {
  if (!ctx.brokerLogDir || !existsSync(ctx.brokerLogDir)) return;
  const wanted = new Set(names);
  const until = Date.now() + 120_000;
  const started = Date.now();
  for (;;) {
    let present = 0;
    for (const entry of readdirSync(ctx.brokerLogDir)) {
      const dash = entry.lastIndexOf('-');
      if (dash > 0 && wanted.has(entry.slice(0, dash))) present++;
    }
    if (present >= names.length * partitions) break;
    if (Date.now() >= until) {
      ctx.log(`the broker still lacks ${names.length * partitions - present} partition logs after 2 minutes; measuring on`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const waited = Date.now() - started;
  if (waited > 1000) ctx.log(`waited ${(waited / 1000).toFixed(1)} s for the broker to finish creating partition logs`);
}
