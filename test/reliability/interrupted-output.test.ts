import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { startGitHubStandIn, type GitHubStandIn } from '../harness/github-standin.js';
import { CLI, runCli, type CliResult } from '../harness/run-cli.js';
import { crashSigns, deleteTopicsWithPrefix, sleep, superAdmin, writeWorkspace } from './support.js';
import { NEW_CONFIG, topicFile, topicNames } from './topic-batches.js';

/**
 * An apply that is stopped part way (SIGTERM, the run's deadline) says what it applied and what
 * not, on every surface: the text, the JSON, the job summary and the commit status. And what a
 * Job log or a pipe receives: every line, progress while working, nothing but the exit code when
 * the reader goes away.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `io${randomBytes(3).toString('hex')}`;
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const COUNT = 2000;

let admin: Admin;
let gh: GitHubStandIn;

beforeAll(async () => {
  admin = await superAdmin(harness().kafka.bootstrap);
  gh = await startGitHubStandIn({ tokens: [TOKEN] });
});

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, RUN);
  await admin.disconnect();
  await gh.close();
});

function workspace(group: string, count = COUNT, extra: string[] = []): string {
  return writeWorkspace({
    'synchook.yaml': [
      'environment: reliability',
      'cluster:',
      `  brokers: ["${harness().kafka.bootstrap}"]`,
      '  retries: 2',
      'topics:',
      '  files: [topics.yaml]',
      `  managedPrefix: "${RUN}.${group}"`,
      '  defaults: { replicationFactor: 1 }',
      'report:',
      '  github:',
      '    repository: acme/orders',
      `    apiUrl: ${gh.url}`,
      '    tokenFile: github-token',
      '    discover: off',
      ...extra,
      '',
    ].join('\n'),
    'github-token': `${TOKEN}\n`,
    'topics.yaml': topicFile(topicNames(RUN, group, count), NEW_CONFIG),
  }, 'interrupted');
}

function show(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`;
}

async function existingTopics(group: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata();
  return topics.filter((topic) => topic.name.startsWith(`${RUN}.${group}`)).length;
}

/** "500 of 2,000 topics created; 1,500 not applied, 0 sent without an answer yet" (each part when not zero). */
const APPLIED = /([\d,]+) of ([\d,]+) topics created; (?:nothing left to apply|(?:([\d,]+) not applied)?(?:, )?(?:([\d,]+) sent without an answer)?)/;
const COUNT_TEXT = COUNT.toLocaleString('en-US');

function appliedFigures(text: string): { created: number; planned: number; notApplied: number; unanswered: number } | undefined {
  const match = APPLIED.exec(text);
  if (!match) return undefined;
  const number = (value: string | undefined) => Number((value ?? '0').replace(/,/g, ''));
  return { created: number(match[1]), planned: number(match[2]), notApplied: number(match[3]), unanswered: number(match[4]) };
}

/**
 * The topics of a group once the broker serves every creation it confirmed: a loaded broker
 * publishes created topics in its metadata seconds to minutes after the controller confirmed them
 * (test/reliability/README.md, 10,000 topics). Waits until at least `confirmed` are listed and the
 * count holds for 3 s, or until it has not changed for 90 s.
 */
async function servedTopicCount(group: string, confirmed: number): Promise<number> {
  let count = await existingTopics(group);
  let changedAt = Date.now();
  let stableSince = Date.now();
  for (;;) {
    if (count >= confirmed && Date.now() - stableSince >= 3_000) return count;
    if (Date.now() - changedAt >= 90_000) return count;
    await sleep(1_000);
    const next = await existingTopics(group);
    if (next !== count) {
      changedAt = Date.now();
      stableSince = Date.now();
    }
    count = next;
  }
}

describe(`an interrupted apply and what the output shows (Kafka ${VERSION})`, () => {
  it('SIGTERM while creating 2000 topics: exit 143; the text and the commit status say how many the broker confirmed, and so many exist', async () => {
    const dir = workspace('s');
    const commit = randomBytes(20).toString('hex');
    let signalled = false;
    const result = await runCli(['presync', '-c', join(dir, 'synchook.yaml'), '--sha', commit], {
      killAfterMs: 180_000,
      onSpawn: (child) => {
        let seen = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (signalled || !seen.includes('topics: applying')) return;
          signalled = true;
          // Apply has begun once the first topic exists (CreateTopics is its first write).
          void (async () => {
            while ((await existingTopics('s')) === 0) await sleep(20);
            child.kill('SIGTERM');
          })();
        });
      },
    });
    expect(signalled, show(result)).toBe(true);
    expect(result.code, show(result)).toBe(143);
    expect(crashSigns(result), show(result)).toEqual([]);
    const figures = appliedFigures(result.stdout);
    expect(figures, show(result)).toBeDefined();
    const { created, planned, notApplied, unanswered } = figures!;
    expect(planned).toBe(COUNT);
    expect(created + notApplied + unanswered).toBe(COUNT);
    // The stop came once the first topic existed; a broker that publishes topics late may have
    // confirmed every batch by then, so how many were created is not fixed, only that it is true.
    expect(created + unanswered, 'the stop came after the first topic existed').toBeGreaterThan(0);
    const exist = await servedTopicCount('s', created);
    process.stdout.write(`interrupted by SIGTERM: reported ${created} of ${COUNT} created, ${unanswered} unanswered; ${exist} exist afterwards\n`);
    // Counted as the broker confirmed each creation: every one counted exists, and only a request
    // still unanswered at the stop may have created more.
    expect(exist).toBeGreaterThanOrEqual(created);
    expect(exist).toBeLessThanOrEqual(created + unanswered);
    const statuses = gh.latest(commit);
    const topics = Object.entries(statuses).find(([context]) => context.endsWith('/presync/topics'));
    expect(topics, JSON.stringify(statuses)).toBeDefined();
    expect(topics![1].state).toBe('error');
    expect(topics![1].description).toContain(`stopped: ${created.toLocaleString('en-US')} of ${COUNT_TEXT} topics created;`);
    expect(gh.problems()).toEqual([]);
  }, 300_000);

  it('a --timeout that passes during apply: exit 3; the JSON and the job summary carry the confirmed and the pending changes', async () => {
    const dir = workspace('d');
    const summaryFile = join(dir, 'step-summary.md');
    // The deadline must pass while the topics are being created, on a quiet machine as on a busy
    // one: give the run the time a plan takes here, and a little more, so the apply starts and
    // cannot finish (creating and serving 2,000 topics takes the broker several seconds).
    const plan = await runCli(['plan', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 180_000 });
    expect(plan.code, show(plan)).toBe(0);
    const deadlineSeconds = Math.max(4, Math.ceil((plan.durationMs * 1.5) / 1000) + 2);
    const result = await runCli(['presync', '-c', join(dir, 'synchook.yaml'), '--sha', randomBytes(20).toString('hex'), '--timeout', `${deadlineSeconds}s`, '--format', 'json'], {
      killAfterMs: 180_000,
      env: { GITHUB_STEP_SUMMARY: summaryFile },
    });
    expect(result.code, show(result)).toBe(3);
    type Applied = { planned: number; applied: number; unanswered: number; notApplied: number; summary: string; counts: Array<{ action: string; kind: string; planned: number; applied: number }>; notAppliedChanges: unknown[] };
    const json = JSON.parse(result.stdout) as { interrupted?: string; tasks: Array<{ task: string; summary: string; applied?: Applied }> };
    expect(json.interrupted, result.stdout.slice(0, 2000)).toMatch(new RegExp(`deadline of ${deadlineSeconds}(\\.0)? s passed`));
    const topics = json.tasks.find((task) => task.task === 'topics')!;
    const applied = topics.applied;
    expect(applied, result.stdout.slice(0, 2000)).toBeDefined();
    expect(applied!.planned).toBe(COUNT);
    expect(applied!.applied + applied!.notApplied + applied!.unanswered).toBe(COUNT);
    expect(applied!.counts).toEqual([{ action: 'create', kind: 'topic', planned: COUNT, applied: applied!.applied }]);
    expect(applied!.notAppliedChanges).toHaveLength(applied!.notApplied);
    expect(topics.summary).toContain(`stopped: ${applied!.summary}`);
    const exist = await servedTopicCount('d', applied!.applied);
    expect(exist).toBeGreaterThanOrEqual(applied!.applied);
    expect(exist).toBeLessThanOrEqual(applied!.applied + applied!.unanswered);
    const markdown = readFileSync(summaryFile, 'utf8');
    expect(markdown).toContain(`**topics** stopped part way: ${applied!.summary}`);
    process.stdout.write(`interrupted by --timeout ${deadlineSeconds}s (a plan took ${plan.durationMs} ms): ${applied!.summary}; ${exist} exist afterwards\n`);
  }, 300_000);

  it('plan | head -1: the closed pipe ends quietly with the run\'s own exit code', async () => {
    const dir = workspace('p', 1500);
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      const child = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" plan -c "${join(dir, 'synchook.yaml')}" | head -1; echo "synchook exit \${PIPESTATUS[0]}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('close', (exit) => resolve({ stdout: out, stderr: err, code: exit }));
    });
    expect(code).not.toBeNull();
    expect(stdout, stderr).toMatch(/synchook exit 0\n$/);
    expect(stdout.split('\n')[0]).toMatch(/^topics \(presync\): /);
    expect(crashSigns({ stdout, stderr }), stderr).toEqual([]);
    expect(stderr).not.toMatch(/EPIPE/);
  }, 300_000);

  it('a slow reader receives every line of a large plan', async () => {
    const dir = workspace('r', 1500);
    const { lines, code } = await new Promise<{ lines: string[]; code: number | null }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'plan', '-c', join(dir, 'synchook.yaml')], { stdio: ['ignore', 'pipe', 'ignore'] });
      const chunks: Buffer[] = [];
      // Read nothing for 8 s (past the former 5 s exit flush), then slowly.
      child.stdout.pause();
      setTimeout(() => {
        child.stdout.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          child.stdout.pause();
          setTimeout(() => child.stdout.resume(), 2);
        });
        child.stdout.resume();
      }, 8_000);
      child.on('close', (exit) => resolve({ lines: Buffer.concat(chunks).toString().split('\n'), code: exit }));
    });
    expect(code).toBe(0);
    expect(lines.filter((line) => line.startsWith('  + topic '))).toHaveLength(1500);
    expect(lines.some((line) => line.startsWith('synchook plan: every plan passes'))).toBe(true);
  }, 300_000);

  it('postsync --format json: the health figures as JSON on stdout', async () => {
    const dir = writeWorkspace({
      'synchook.yaml': ['cluster:', `  brokers: ["${harness().kafka.bootstrap}"]`, 'health:', '  topics:', '    - { name: __consumer_offsets }', ''].join('\n'),
    }, 'postsync-json');
    const result = await runCli(['postsync', '-c', join(dir, 'synchook.yaml'), '--format', 'json'], { killAfterMs: 120_000 });
    expect(result.code, show(result)).toBe(0);
    const json = JSON.parse(result.stdout) as { mode: string; exitCode: number; tasks: Array<{ task: string; status: string; figures: Record<string, number> }> };
    expect(json.mode).toBe('postsync');
    expect(json.exitCode).toBe(0);
    const health = json.tasks.find((task) => task.task === 'health')!;
    expect(health.status).toBe('success');
    expect(health.figures).toMatchObject({ topics: 1, topicsHealthy: 1, offlinePartitions: 0 });
  }, 120_000);
});
