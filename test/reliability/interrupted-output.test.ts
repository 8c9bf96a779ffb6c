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

const APPLIED = /(\d+) of (\d+) topics created; (\d+) not applied/;

describe(`an interrupted apply and what the output shows (Kafka ${VERSION})`, () => {
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
