import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, ConfigSource } from '../../src/tasks/shared/kafka-enums.js';
import { harness } from '../harness/index.js';
import { startRegistryProxy, type StartedRegistryProxy } from '../harness/registry-proxy.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { createTopicsAndWait, crashSigns, deleteTopicsWithPrefix, errorMessages, sleep, superAdmin, topicsWithPrefix, writeWorkspace } from './support.js';
import { topicFile, topicNames } from './topic-batches.js';

/**
 * Someone else writes to the managed topics while a PreSync run is between its plan and its apply
 * (kafka-configs by hand, another tool, a second run). The window is held open by a registry
 * behind a slow proxy: every plan waits for the schemas task's registry requests.
 *
 * - Config keys set by others on a topic survive the run's config changes (IncrementalAlterConfigs
 *   touches only the declared keys): ITERATIONS × TOPICS keys are set in the window, none is lost.
 * - A declared topic created by someone else in the window is never reported as created: one that
 *   matches its declaration is "already created", one that differs is a conflict naming the topic
 *   and what differs.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `ob${randomBytes(3).toString('hex')}`;
const ITERATIONS = Number(process.env.SYNCHOOK_RACE_ITERATIONS ?? 10);
const TOPICS = Number(process.env.SYNCHOOK_RACE_TOPICS ?? 250);
/** How long the proxy holds every registry request: the plan phase lasts at least this long. */
const REGISTRY_DELAY_MS = 6_000;
/** When the out-of-band writer starts, after the run's first registry request (the plan has begun). */
const WRITE_AFTER_MS = 2_000;
/** An undeclared key the writer sets; declared keys are retention.ms only. */
const OUT_OF_BAND_KEY = 'flush.messages';

let admin: Admin;
let proxy: StartedRegistryProxy;

beforeAll(async () => {
  admin = await superAdmin(harness().kafka.bootstrap);
  proxy = await startRegistryProxy({ target: harness().registry.url });
});

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, RUN);
  await admin.disconnect();
  await proxy.stop();
});

/** A config folder managing the topics named `${RUN}.${group}…` (each test its own group). */
function workspace(label: string, group: string, topicsYaml: string): string {
  return writeWorkspace(
    {
      'synchook.yaml': [
        'cluster:',
        `  brokers: ["${harness().kafka.bootstrap}"]`,
        '  retries: 3',
        'registry:',
        `  url: ${proxy.url}`,
        '  timeout: 60s',
        'schemas:',
        '  files: [subjects.yaml]',
        'topics:',
        '  files: [topics.yaml]',
        `  managedPrefix: "${RUN}.${group}"`,
        '',
      ].join('\n'),
      'subjects.yaml': `subjects:\n  - subject: ${RUN}.${label}-value\n    file: thing.avsc\n`,
      'thing.avsc': JSON.stringify({ type: 'record', name: 'Thing', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] }),
      'topics.yaml': topicsYaml,
    },
    `out-of-band-${label}`,
  );
}

/** Runs presync with every registry request delayed, and calls `inWindow` once the plan phase has begun. */
async function presyncWithWindow(dir: string, inWindow: () => Promise<void>): Promise<{ result: CliResult; wroteAfterPlanStartMs: number }> {
  proxy.clearRequests();
  proxy.setFaults([{ fault: { kind: 'delay', ms: REGISTRY_DELAY_MS }, times: Infinity }]);
  const running = runCli(['presync', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 300_000 });
  const waitStarted = Date.now();
  while (proxy.requests.length === 0 && Date.now() - waitStarted < 120_000) await sleep(50);
  const planStarted = Date.now();
  await sleep(WRITE_AFTER_MS);
  await inWindow();
  const wroteAfterPlanStartMs = Date.now() - planStarted;
  const result = await running;
  proxy.setFaults([]);
  return { result, wroteAfterPlanStartMs };
}

function outputOf(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/**
 * Sets the key on every topic the way a config tool without IncrementalAlterConfigs does: read the
 * topic's own config, write it back with the key added. It runs inside the plan window, while
 * synchook writes nothing.
 */
async function setKeyOutOfBand(names: readonly string[], key: string, value: string): Promise<void> {
  for (let start = 0; start < names.length; start += 250) {
    const batch = names.slice(start, start + 250);
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: batch.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })) });
    await admin.alterConfigs({
      validateOnly: false,
      resources: resources.map((resource) => ({
        type: ConfigResourceTypes.TOPIC,
        name: resource.resourceName,
        configEntries: [
          ...resource.configEntries.filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG && entry.configName !== key).map((entry) => ({ name: entry.configName, value: entry.configValue ?? '' })),
          { name: key, value },
        ],
      })),
    });
  }
}

describe(`changes by others between plan and apply (Kafka ${VERSION})`, () => {
  it(`keeps every config key set by others while the run plans: ${ITERATIONS} runs × ${TOPICS} topics`, { timeout: 1_800_000 }, async () => {
    const names = topicNames(RUN, 'k', TOPICS);
    const retention = (iteration: number) => String(3_600_000 + iteration * 1_000);
    await createTopicsAndWait(admin, names.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: retention(0) }] })), 120_000);
    const dir = workspace('keys', 'k', topicFile(names, { 'retention.ms': retention(0) }));
    let keysSet = 0;
    let keysLost = 0;
    const lostIn: string[] = [];
    for (let iteration = 1; iteration <= ITERATIONS; iteration += 1) {
      // Each run changes the declared key on every topic, so every run writes all of them.
      writeFileSync(join(dir, 'topics.yaml'), topicFile(names, { 'retention.ms': retention(iteration) }));
      const value = String(10_000 + iteration);
      const { result } = await presyncWithWindow(dir, () => setKeyOutOfBand(names, OUT_OF_BAND_KEY, value));
      expect(result.code, outputOf(result)).toBe(0);
      expect(crashSigns(result), outputOf(result)).toEqual([]);
      const after = await topicsWithPrefix(admin, `${RUN}.k`);
      for (const name of names) {
        const own = after.get(name)?.own ?? {};
        keysSet += 1;
        if (own[OUT_OF_BAND_KEY] !== value) {
          keysLost += 1;
          if (lostIn.length < 5) lostIn.push(`run ${iteration}: ${name} has ${OUT_OF_BAND_KEY}=${own[OUT_OF_BAND_KEY] ?? '(not set)'}, expected ${value}`);
        }
        // The declared change was applied all the same.
        expect(own['retention.ms'], name).toBe(retention(iteration));
      }
    }
    process.stdout.write(`out-of-band config race (Kafka ${VERSION}): ${ITERATIONS} runs, ${keysSet} keys set by others in the plan window, ${keysLost} lost\n`);
    expect({ keysSet, keysLost, lostIn }).toEqual({ keysSet: ITERATIONS * TOPICS, keysLost: 0, lostIn: [] });
  });

  it('reports a declared topic created by someone else between plan and apply as a conflict naming what differs, never as created', { timeout: 600_000 }, async () => {
    const [matching, differing, fresh] = topicNames(RUN, 'c', 3) as [string, string, string];
    const declared = { 'retention.ms': '86400000' };
    const dir = workspace('created', 'c', topicFile([matching, differing, fresh], declared, 3));
    const { result } = await presyncWithWindow(dir, async () => {
      await createTopicsAndWait(admin, [
        { topic: matching, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] },
        { topic: differing, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '1' }] },
      ]);
    });
    const output = outputOf(result);
    expect(result.code, output).toBe(1);
    expect(crashSigns(result), output).toEqual([]);
    const messages = errorMessages(result).join('\n');
    expect(messages, output).toContain(differing);
    expect(messages, output).toContain('partitions 1 (declared 3)');
    expect(messages, output).toContain('retention.ms=1 (declared 86400000)');
    expect(messages, output).toContain('created by someone else');
    // Only the topic this run created counts as created; the matching one is named as found.
    expect(messages, output).toContain('Applied before the failure: 1 topic created, 1 found already created by someone else as declared');
    expect(output).not.toMatch(/3 topics created|2 topics created/);

    // The other writer's topic is left as it was; the rerun plans the difference.
    const after = await topicsWithPrefix(admin, `${RUN}.c`);
    expect(after.get(differing)).toEqual({ partitions: 1, own: { 'retention.ms': '1' } });
    expect(after.get(fresh)).toEqual({ partitions: 3, own: declared });
    const plan = await runCli(['plan', '-c', join(dir, 'synchook.yaml'), '--format', 'json']);
    const changes = (JSON.parse(plan.stdout) as { tasks: Array<{ task: string; changes: Array<{ resource: string; detail: string }> }> }).tasks.find((task) => task.task === 'topics')!.changes;
    expect(changes, plan.stdout).toEqual([expect.objectContaining({ resource: `topic ${differing}`, detail: expect.stringContaining('partitions 1 → 3') })]);
  });
});
