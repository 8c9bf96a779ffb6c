/** What every scenario gets: where things are, and how to run synchook and the baselines. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { expectSuccess, measure, type Measured } from './measure.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist', 'cli.js');
export const BASELINES_DIR = join(REPO_ROOT, 'bench', 'baselines');

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
}

export interface SynchookRunOptions {
  /** Names the CPU profile when profiling is on. */
  label: string;
  killAfterMs?: number;
  env?: Record<string, string | undefined>;
}

/** `node dist/cli.js <args>`: the built CLI as a process of its own, as a Job runs it. */
export async function runSynchook(ctx: BenchContext, args: string[], options: SynchookRunOptions): Promise<Measured> {
  const profile = ctx.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`, `--cpu-prof-name=${options.label}-${Date.now()}.cpuprofile`] : [];
  const run = await measure(process.execPath, [...profile, CLI, ...args], {
    cwd: ctx.workDir,
    // GITHUB_* and a step summary from the calling shell must not turn the run into a report.
    env: { SYNCHOOK_LOG_LEVEL: 'info', GITHUB_STEP_SUMMARY: undefined, GITHUB_TOKEN: undefined, ...options.env },
    killAfterMs: options.killAfterMs ?? 180_000,
    scratchDir: ctx.workDir,
  });
  return expectSuccess(`synchook ${args.join(' ')}`, run);
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
