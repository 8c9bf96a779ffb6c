import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { crashSigns, deleteTopicsWithPrefix, sleep, superAdmin, writeWorkspace } from './support.js';
import { NEW_CONFIG, topicFile, topicNames } from './topic-batches.js';

/**
 * Deadlines under topic churn: the settle wait that sees no progress ends with exit 3 and counts
 * only what the broker confirmed; smoke right after heavy churn waits for the broker instead of
 * failing at once.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `sd${randomBytes(3).toString('hex')}`;

let admin: Admin;

beforeAll(async () => {
  admin = await superAdmin(harness().kafka.bootstrap);
});

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, RUN);
  await admin.disconnect();
});

function show(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`;
}

async function existingTopics(prefix: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata();
  return topics.filter((topic) => topic.name.startsWith(prefix)).length;
}

// Creating 1,000 topics and waiting for a broker to publish them takes minutes; the waits under test are
// synchook's own, so the file runs on one Kafka version (3.9) to keep the suite's time in check.
describe.runIf(VERSION === '3.9')(`deadlines under topic churn (Kafka ${VERSION})`, () => {
  it('a settle wait without progress ends with exit 3, naming topics.settleTimeout, and counts only the creations the broker confirmed', async () => {
    const count = 1000;
    const dir = writeWorkspace({
      'synchook.yaml': [
        'cluster:',
        `  brokers: ["${harness().kafka.bootstrap}"]`,
        'topics:',
        '  files: [topics.yaml]',
        `  managedPrefix: "${RUN}.w"`,
        '  defaults: { replicationFactor: 1 }',
        // The broker publishes 1,000 new topics over seconds: a 1 ms stall limit ends the wait at
        // the first check that finds no new topic served.
        '  settleTimeout: 1ms',
        '',
      ].join('\n'),
      'topics.yaml': topicFile(topicNames(RUN, 'w', count), NEW_CONFIG, 3),
    }, 'stall');
    const result = await runCli(['presync', '-c', join(dir, 'synchook.yaml'), '--format', 'json'], { killAfterMs: 240_000 });
    expect(result.code, show(result)).toBe(3);
    expect(crashSigns(result), show(result)).toEqual([]);
    const json = JSON.parse(result.stdout) as { tasks: Array<{ task: string; status: string; summary: string; applied?: { applied: number; planned: number } }> };
    const topics = json.tasks.find((task) => task.task === 'topics')!;
    expect(topics.status).toBe('error');
    expect(topics.summary).toMatch(/made no progress for 1 ms \(topics\.settleTimeout\)/);
    expect(topics.summary).toMatch(/not served yet/);
    const applied = topics.applied!;
    expect(applied.planned).toBe(count);
    // Every counted creation exists once the broker has caught up.
    const until = Date.now() + 120_000;
    let exist = await existingTopics(`${RUN}.w`);
    while (exist < applied.applied && Date.now() < until) {
      await sleep(1_000);
      exist = await existingTopics(`${RUN}.w`);
    }
    process.stdout.write(`settle stall: ${topics.summary.slice(0, 160)}; ${exist} exist\n`);
    expect(exist).toBe(applied.applied);
  }, 300_000);

  it('smoke right after 1,000 topics were created waits until the broker serves its topic, and passes', async () => {
    const churn = topicNames(RUN, 'c', 1000);
    // Created without waiting: the broker is still publishing them when smoke starts.
    for (let start = 0; start < churn.length; start += 500) {
      await admin.createTopics({ waitForLeaders: false, topics: churn.slice(start, start + 500).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })) });
    }
    const dir = writeWorkspace({
      'synchook.yaml': [
        'cluster:',
        `  brokers: ["${harness().kafka.bootstrap}"]`,
        'smoke:',
        `  topic: ${RUN}.probe`,
        '  messages: 20',
        '  partitions: 1',
        '  replicationFactor: 1',
        `  groupIdPrefix: ${RUN}-smoke-`,
        '  timeout: 3m',
        '',
      ].join('\n'),
    }, 'churn-smoke');
    const result = await runCli(['postsync', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 240_000 });
    expect(result.code, show(result)).toBe(0);
    expect(crashSigns(result), show(result)).toEqual([]);
    expect(result.stdout + result.stderr).not.toMatch(/does not host this topic-partition.*exit/i);
    process.stdout.write(`smoke after churn: exit ${result.code} in ${result.durationMs} ms; ${(result.stdout + result.stderr).match(/does not host/g)?.length ?? 0} "does not host" answers logged\n`);
  }, 300_000);
});
