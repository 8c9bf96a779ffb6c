import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes } from '../../src/tasks/shared/kafka-enums.js';
import { startKafka, type StartedKafka } from '../harness/kafka.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { crashSigns, errorMessages, sleep, superAdmin, topicsWithPrefix, writeWorkspace } from './support.js';
import { NEW_CONFIG, OLD_CONFIG, countGenerations, topicFile, topicNames } from './topic-batches.js';

/**
 * The broker is killed (SIGKILL) while PreSync applies 500 new topics and new configs for 500
 * existing ones, and restarted a moment later on the same data. The run fails cleanly or
 * completes; no topic holds a partially applied config; a rerun converges with nothing
 * duplicated. Runs on a broker of its own: the shared one must not go down.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `br${randomBytes(3).toString('hex')}`;
const EXISTING = topicNames(RUN, 'e', 500);
const ADDED = topicNames(RUN, 'n', 500);

let kafka: StartedKafka;
let admin: Admin;

beforeAll(async () => {
  kafka = await startKafka({ version: VERSION, keepData: true });
  admin = await superAdmin(kafka.bootstrap);
}, 180_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  if (kafka) {
    await kafka.stop();
    await rm(kafka.dataDir, { recursive: true, force: true });
  }
});

function describeRun(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout.slice(0, 4000)}\n--- stderr\n${result.stderr.slice(0, 4000)}`;
}

describe(`broker killed and restarted during apply (Kafka ${VERSION}, own broker)`, () => {
  it('the run ends cleanly, no topic is half-configured, and a rerun converges with nothing duplicated', async () => {
    const dir = writeWorkspace({
      'synchook.yaml': [
        'cluster:',
        `  brokers: ["${kafka.bootstrap}"]`,
        '  retries: 5',
        '  connectionTimeout: 3s',
        '  requestTimeout: 20s',
        'topics:',
        '  files: [topics/*.yaml]',
        `  managedPrefix: "${RUN}."`,
        '  defaults: { replicationFactor: 1 }',
        '  settleTimeout: 30s',
        '',
      ].join('\n'),
      'topics/existing.yaml': topicFile(EXISTING, OLD_CONFIG),
    }, 'broker-restart');
    const presync = () => runCli(['presync', '-c', join(dir, 'synchook.yaml'), '--timeout', '90s'], { killAfterMs: 150_000 });

    const setup = await presync();
    expect(setup.code, describeRun(setup)).toBe(0);
    expect(countGenerations(await topicsWithPrefix(admin, RUN), EXISTING)).toMatchObject({ old: 500, partial: [], missing: [] });

    await writeFile(join(dir, 'topics/existing.yaml'), topicFile(EXISTING, NEW_CONFIG));
    await writeFile(join(dir, 'topics/added.yaml'), topicFile(ADDED, NEW_CONFIG));
    let killed = false;
    let restarted: Promise<void> | undefined;
    const watching = { stop: false };
    const interrupted = await runCli(['presync', '-c', join(dir, 'synchook.yaml'), '--timeout', '90s'], {
      killAfterMs: 150_000,
      onSpawn: () => {
        // Kill at the first config change seen (AlterConfigs comes after CreateTopics, in batches of
        // 250 sent side by side), so the other batch may be in flight; restart a second later.
        void (async () => {
          const probe = { type: ConfigResourceTypes.TOPIC, name: EXISTING[0]! };
          while (!watching.stop) {
            const described = await admin.describeConfigs({ includeSynonyms: false, resources: [probe] }).catch(() => undefined);
            const retention = described?.resources[0]?.configEntries.find((entry) => entry.configName === 'retention.ms')?.configValue;
            if (retention === NEW_CONFIG['retention.ms']) {
              await kafka.kill();
              killed = true;
              restarted = sleep(1_000).then(() => kafka.restart());
              return;
            }
            await sleep(20);
          }
        })();
      },
    });
    watching.stop = true;
    await restarted;
    const output = describeRun(interrupted);

    // Fails cleanly or completes: no hang (the guard would have killed it), no crash, a message when it failed.
    expect(interrupted.signal, output).toBeNull();
    expect([0, 1, 3], output).toContain(interrupted.code);
    // Soft: a poor message must not hide what the state checks below find.
    expect.soft(crashSigns(interrupted), output).toEqual([]);
    if (interrupted.code !== 0) expect.soft(errorMessages(interrupted).length, output).toBeGreaterThan(0);
    process.stdout.write(`broker-restart: the interrupted run ended with exit ${interrupted.code}: ${errorMessages(interrupted).join(' | ').slice(0, 300)}\n`);
    expect(killed, 'the broker was killed during the run').toBe(true);

    // After the restart: every topic fully old or fully new; every added topic that exists is complete.
    await admin.disconnect().catch(() => undefined);
    admin = await superAdmin(kafka.bootstrap);
    const after = await topicsWithPrefix(admin, RUN);
    const existingState = countGenerations(after, EXISTING);
    expect(existingState.partial, 'topics with a partially applied config').toEqual([]);
    expect(existingState.missing).toEqual([]);
    const addedState = countGenerations(after, ADDED);
    expect(addedState.partial).toEqual([]);
    expect(addedState.old).toBe(0);
    process.stdout.write(`broker-restart: after the restart, existing topics old ${existingState.old} new ${existingState.new}; added topics created ${addedState.new} of 500\n`);

    const rerun = await presync();
    expect(rerun.code, describeRun(rerun)).toBe(0);
    const converged = await topicsWithPrefix(admin, RUN);
    expect(converged.size, 'exactly the declared topics, nothing duplicated or left over').toBe(1000);
    expect(countGenerations(converged, EXISTING)).toMatchObject({ new: 500, partial: [], missing: [] });
    expect(countGenerations(converged, ADDED)).toMatchObject({ new: 500, partial: [], missing: [] });
    const plan = await runCli(['plan', '-c', join(dir, 'synchook.yaml'), '--format', 'json']);
    expect(plan.code, describeRun(plan)).toBe(0);
    expect((JSON.parse(plan.stdout) as { tasks: Array<{ changes: unknown[] }> }).tasks.flatMap((task) => task.changes)).toEqual([]);
  }, 300_000);
});
