import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { startGitHubStandIn, type GitHubStandIn } from '../harness/github-standin.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { crashSigns, deleteTopicsWithPrefix, sleep, superAdmin, topicsWithPrefix, writeWorkspace } from './support.js';
import { NEW_CONFIG, OLD_CONFIG, countGenerations, topicFile, topicNames } from './topic-batches.js';

/**
 * SIGTERM while PreSync applies (what Kubernetes sends when the hook Job is deleted or times out):
 * the process exits within 5 s with 143, the commit statuses end in error, every topic is fully at
 * its old or fully at its new config, and a rerun converges.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `st${randomBytes(3).toString('hex')}`;
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
/** What the CLI promises after a signal (src/cli.ts): reporting gets 5 s, then the process exits regardless. */
const SIGNAL_GRACE_MS = 5_000;
/** Process start-up and teardown on a loaded two-core machine, on top of the grace. */
const MEASUREMENT_SLACK_MS = 1_000;

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

function config(): string {
  return [
    'environment: reliability',
    'cluster:',
    `  brokers: ["${harness().kafka.bootstrap}"]`,
    '  retries: 2',
    'topics:',
    '  files: [topics/*.yaml]',
    `  managedPrefix: "${RUN}."`,
    '  defaults: { replicationFactor: 1 }',
    'report:',
    '  github:',
    '    repository: acme/orders',
    `    apiUrl: ${gh.url}`,
    '    tokenFile: github-token',
    '    discover: off',
    '',
  ].join('\n');
}

describe(`SIGTERM during apply (Kafka ${VERSION})`, () => {
  it('exits 143 within 5 s, statuses end in error, no topic has a partial config, and a rerun converges', async () => {
    const existing = topicNames(RUN, 'e', 300);
    const added = topicNames(RUN, 'n', 300);
    const dir = writeWorkspace({ 'synchook.yaml': config(), 'github-token': `${TOKEN}\n`, 'topics/existing.yaml': topicFile(existing, OLD_CONFIG) }, 'sigterm');
    const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli([...args, '-c', join(dir, 'synchook.yaml')], { killAfterMs: 120_000, ...options });

    const setup = await cli(['presync', '--sha', randomBytes(20).toString('hex')]);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(countGenerations(await topicsWithPrefix(admin, RUN), existing)).toMatchObject({ old: 300, partial: [], missing: [] });

    // The new declaration: every existing topic gets the new config, and 300 topics are added.
    writeFileSync(join(dir, 'topics/existing.yaml'), topicFile(existing, NEW_CONFIG));
    writeFileSync(join(dir, 'topics/added.yaml'), topicFile(added, NEW_CONFIG));
    const commit = randomBytes(20).toString('hex');
    let signalledAt = 0;
    let signalSent = false;
    const watching = { stop: false };
    const result: CliResult = await cli(['presync', '--sha', commit], {
      onSpawn: (child: ChildProcess) => {
        // Apply has begun once the first added topic exists (CreateTopics is apply's first write).
        void (async () => {
          while (!watching.stop) {
            const { topics } = await admin.fetchTopicMetadata().catch(() => ({ topics: [] as Array<{ name: string }> }));
            if (topics.some((topic) => topic.name.startsWith(`${RUN}.n`))) {
              signalledAt = Date.now();
              signalSent = child.kill('SIGTERM');
              return;
            }
            await sleep(25);
          }
        })();
      },
    });
    const exitedAt = Date.now();
    watching.stop = true;
    const output = `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;

    expect(signalSent, `the signal was sent during apply\n${output}`).toBe(true);
    {
      expect(result.signal, output).toBeNull();
      expect(result.code, output).toBe(143);
      expect(exitedAt - signalledAt, 'exit after SIGTERM').toBeLessThanOrEqual(SIGNAL_GRACE_MS + MEASUREMENT_SLACK_MS);
      expect(crashSigns(result), output).toEqual([]);
      expect(result.stdout + result.stderr).toMatch(/SIGTERM/);
      const latest = gh.latest(commit);
      expect(Object.keys(latest).length).toBeGreaterThan(0);
      for (const [context, status] of Object.entries(latest)) expect(status.state, context).toBe('error');
    }
    expect(gh.problems()).toEqual([]);

    // Every topic is old or new, never a mix; every added topic that exists has its whole config.
    const after = await topicsWithPrefix(admin, RUN);
    const existingState = countGenerations(after, existing);
    expect(existingState.partial, 'topics with a partially applied config').toEqual([]);
    expect(existingState.missing).toEqual([]);
    const addedState = countGenerations(after, added);
    expect(addedState.partial).toEqual([]);
    expect(addedState.old).toBe(0);
    process.stdout.write(`sigterm: exit ${result.code} ${exitedAt - signalledAt} ms after the signal; existing topics old ${existingState.old} new ${existingState.new}; added topics created ${addedState.new} of 300\n`);

    const rerun = await cli(['presync', '--sha', randomBytes(20).toString('hex')]);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    const converged = await topicsWithPrefix(admin, RUN);
    expect(countGenerations(converged, existing)).toMatchObject({ new: 300, partial: [], missing: [] });
    expect(countGenerations(converged, added)).toMatchObject({ new: 300, partial: [], missing: [] });
    expect(converged.size).toBe(600);
    const plan = await cli(['plan', '--format', 'json']);
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.stdout) as { tasks: Array<{ changes: unknown[] }> }).tasks.flatMap((task) => task.changes)).toEqual([]);
  });
});
