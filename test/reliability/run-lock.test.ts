import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { crashSigns, deleteTopicsWithPrefix, sleep, superAdmin, topicsWithPrefix, writeWorkspace } from './support.js';
import { Kafka, logLevel } from 'kafkajs';
import { acquireRunLock } from '../../src/clients/run-lock.js';
import { createLogger } from '../../src/log.js';
import { NEW_CONFIG, OLD_CONFIG, countGenerations, topicFile, topicNames } from './topic-batches.js';

/**
 * The run lock: two PreSync runs of different revisions over the same managed prefix never apply
 * at once. Without it, both created the same topics at once and each counted the other's as done:
 * the topics ended part at one revision's config and part at the other's, both runs exiting 0.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `rl${randomBytes(3).toString('hex')}`;
const TOPICS = topicNames(RUN, 't', 400);
const ROUNDS = 3;

let admin: Admin;

beforeAll(async () => {
  admin = await superAdmin(harness().kafka.bootstrap);
});

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, RUN);
  await admin.disconnect();
});

function revisionWorkspace(config: Readonly<Record<string, string>>, lock: string): string {
  return writeWorkspace({
    'synchook.yaml': [
      'cluster:',
      `  brokers: ["${harness().kafka.bootstrap}"]`,
      '  retries: 3',
      'topics:',
      '  files: [topics.yaml]',
      `  managedPrefix: "${RUN}."`,
      '  defaults: { replicationFactor: 1 }',
      // The lock is off unless a config turns it on.
      `lock: ${lock.replace('{', '{ enabled: true,')}`,
      '',
    ].join('\n'),
    'topics.yaml': topicFile(TOPICS, config),
  }, 'run-lock');
}

const sha = () => randomBytes(20).toString('hex');

function show(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

async function waitForTopicsGone(): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const { topics } = await admin.fetchTopicMetadata().catch(() => ({ topics: [{ name: RUN }] }));
    if (!topics.some((topic) => topic.name.startsWith(RUN))) return;
    await sleep(500);
  }
  throw new Error('the topics of the previous round were not deleted');
}

/** Runs the CLI and calls onHolding once its log says it holds the lock. */
function runUntilHolding(args: string[], onHolding: (child: ChildProcess) => void): Promise<CliResult> {
  return runCli(args, {
    killAfterMs: 180_000,
    onSpawn: (child) => {
      let seen = '';
      let fired = false;
      child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (!fired && seen.includes('holding the run lock')) {
          fired = true;
          onHolding(child);
        }
      });
    },
  });
}

describe(`the run lock (Kafka ${VERSION})`, () => {
  it(`two presyncs of different revisions at once never end mixed (${ROUNDS} rounds of ${TOPICS.length} new topics)`, async () => {
    const oldDir = revisionWorkspace(OLD_CONFIG, '{ wait: 3m }');
    const newDir = revisionWorkspace(NEW_CONFIG, '{ wait: 3m }');
    let waits = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      await deleteTopicsWithPrefix(admin, RUN);
      await waitForTopicsGone();
      const [oldSha, newSha] = [sha(), sha()];
      const [oldRun, newRun] = await Promise.all([
        runCli(['presync', '-c', join(oldDir, 'synchook.yaml'), '--sha', oldSha], { killAfterMs: 240_000 }),
        runCli(['presync', '-c', join(newDir, 'synchook.yaml'), '--sha', newSha], { killAfterMs: 240_000 }),
      ]);
      for (const result of [oldRun, newRun]) {
        expect(result.code, show(result)).toBe(0);
        expect(crashSigns(result), show(result)).toEqual([]);
      }
      const state = countGenerations(await topicsWithPrefix(admin, RUN), TOPICS);
      process.stdout.write(`run lock round ${round}: old ${state.old} new ${state.new} partial ${state.partial.length} missing ${state.missing.length}\n`);
      expect(state.partial).toEqual([]);
      expect(state.missing).toEqual([]);
      // One revision applied after the other: every topic at the same one.
      expect([state.old, state.new].sort((a, b) => a - b), `mixed: old ${state.old}, new ${state.new}`).toEqual([0, TOPICS.length]);
      // A run that waited named the one holding the lock.
      for (const [waiter, holderSha] of [[oldRun, newSha], [newRun, oldSha]] as const) {
        if (!waiter.stderr.includes('waiting for the run lock')) continue;
        waits += 1;
        expect(waiter.stderr).toContain(`held by revision ${holderSha.slice(0, 12)}`);
      }
    }
    // Whether the waiting run logs its wait depends on when it first looks at the group; the
    // outcome above (never mixed) is what the lock promises.
    process.stdout.write(`run lock: ${waits} of ${ROUNDS} rounds logged the wait\n`);
  }, 900_000);

  it('a run that may not wait stops with exit 3 naming the holder: revision, host, since when', async () => {
    const holderSha = sha();
    // The holder: the lock client itself, as a presync holds it, for as long as the test needs.
    const held = await acquireRunLock({
      kafka: new Kafka({ clientId: 'run-lock-test', brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }),
      name: `${RUN}.`,
      topic: '__synchook_locks',
      leaseMs: 10_000,
      waitMs: 0,
      identity: { revision: holderSha, host: 'holder-host', pod: 'synchook-presync-abc12', pid: 4242 },
      log: createLogger({ level: 'silent' }),
    });
    const before = await topicsWithPrefix(admin, RUN);
    let second: CliResult;
    try {
      second = await runCli(['presync', '-c', join(revisionWorkspace(NEW_CONFIG, '{ wait: 0s }'), 'synchook.yaml'), '--sha', sha()], { killAfterMs: 120_000 });
    } finally {
      await held.release();
    }
    expect(second.code, show(second)).toBe(3);
    expect(crashSigns(second), show(second)).toEqual([]);
    expect(second.stdout).toMatch(new RegExp(`run lock "${RUN}\\." is held by revision ${holderSha.slice(0, 12)} on pod synchook-presync-abc12 \\(host holder-host, pid 4242\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z`));
    // Nothing was applied by the run that did not get the lock.
    expect(await topicsWithPrefix(admin, RUN)).toEqual(before);
  }, 300_000);

  it("a killed holder's lock expires with its lease and the next run applies", async () => {
    const killedDir = revisionWorkspace(NEW_CONFIG, '{ lease: 15s }');
    const nextDir = revisionWorkspace(NEW_CONFIG, '{ wait: 2m }');
    const killedSha = sha();
    let next: Promise<CliResult> | undefined;
    let killedAt = 0;
    const killed = await runUntilHolding(['presync', '-c', join(killedDir, 'synchook.yaml'), '--sha', killedSha], (child) => {
      // SIGKILL: no LeaveGroup, no release; only the lease ends the hold.
      child.kill('SIGKILL');
      killedAt = Date.now();
      next = runCli(['presync', '-c', join(nextDir, 'synchook.yaml'), '--sha', sha()], { killAfterMs: 180_000 });
    });
    expect(killed.signal).toBe('SIGKILL');
    const result = await next!;
    const waitedMs = Date.now() - killedAt;
    process.stdout.write(`run lock: the next run ended ${waitedMs} ms after the holder was killed (lease 15 s)\n`);
    expect(result.code, show(result)).toBe(0);
    // Whether the wait is logged depends on whether the killed member still shows in the group
    // when the next run first looks; only the outcome is certain.
    expect(countGenerations(await topicsWithPrefix(admin, RUN), TOPICS)).toMatchObject({ new: TOPICS.length, partial: [], missing: [] });
  }, 300_000);

  it('plan and --dry-run take no lock: they run while another run holds it', async () => {
    const holderDir = revisionWorkspace(OLD_CONFIG, '{ wait: 1m }');
    const readerDir = revisionWorkspace(NEW_CONFIG, '{ wait: 0s }');
    await deleteTopicsWithPrefix(admin, RUN);
    await waitForTopicsGone();
    let readers: Promise<CliResult[]> | undefined;
    const holder = await runUntilHolding(['presync', '-c', join(holderDir, 'synchook.yaml'), '--sha', sha()], () => {
      readers = Promise.all([
        runCli(['plan', '-c', join(readerDir, 'synchook.yaml')], { killAfterMs: 120_000 }),
        runCli(['presync', '--dry-run', '-c', join(readerDir, 'synchook.yaml')], { killAfterMs: 120_000 }),
      ]);
    });
    expect(holder.code, show(holder)).toBe(0);
    for (const result of await readers!) {
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).not.toContain('run lock');
    }
  }, 300_000);
});
