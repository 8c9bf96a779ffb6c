import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { aclsOf, crashSigns, deleteAclsOf, deleteTopicsWithPrefix, errorMessages, superAdmin, topicsWithPrefix, versionsOf, writeWorkspace } from './support.js';
import { NEW_CONFIG, OLD_CONFIG, countGenerations, topicFile, topicNames } from './topic-batches.js';

/**
 * Two PreSync runs at once on the same config (a retried hook Job overlapping the first, two
 * ArgoCD syncs): both end without error, or one fails with a clean message; the cluster and the
 * registry end in the declared state, and a third run plans nothing.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `cc${randomBytes(3).toString('hex')}`;
const PRINCIPAL = `User:${RUN}-app`;
const TOPICS = topicNames(RUN, 't', 200);
const SUBJECTS = [`${RUN}.orders-value`, `${RUN}.payments-value`, `${RUN}.shipments-value`];

let admin: Admin;

beforeAll(async () => {
  admin = await superAdmin(harness().kafka.bootstrap);
});

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, RUN);
  await deleteAclsOf(admin, PRINCIPAL);
  await admin.disconnect();
});

function workspace(): string {
  const record = (name: string) => JSON.stringify({ type: 'record', name, namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] });
  return writeWorkspace({
    'synchook.yaml': [
      'cluster:',
      `  brokers: ["${harness().kafka.bootstrap}"]`,
      '  retries: 3',
      'registry:',
      `  url: ${harness().registry.url}`,
      'schemas:',
      '  files: [subjects.yaml]',
      'topics:',
      '  files: [topics.yaml]',
      `  managedPrefix: "${RUN}."`,
      '  defaults: { replicationFactor: 1 }',
      'acls:',
      '  files: [acls.yaml]',
      '',
    ].join('\n'),
    'subjects.yaml': `subjects:\n${SUBJECTS.map((subject, index) => `  - subject: ${subject}\n    file: s${index}.avsc\n`).join('')}`,
    ...Object.fromEntries(SUBJECTS.map((_, index) => [`s${index}.avsc`, record(`Thing${index}`)])),
    'topics.yaml': topicFile(TOPICS, OLD_CONFIG),
    'acls.yaml': `applications:\n  - principal: ${PRINCIPAL}\n    produces: [${TOPICS[0]}, { prefix: "${RUN}.t00" }]\n    consumes: [${TOPICS[1]}]\n    groups: [${RUN}-group]\n`,
  }, 'concurrent');
}

function expectCleanEnd(result: CliResult): void {
  const output = `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
  expect(result.signal, output).toBeNull();
  expect(crashSigns(result), output).toEqual([]);
  if (result.code !== 0) {
    expect([1, 3], output).toContain(result.code);
    expect(errorMessages(result).length, output).toBeGreaterThan(0);
  }
}

async function expectNothingPlanned(dir: string): Promise<void> {
  const plan = await runCli(['plan', '-c', join(dir, 'synchook.yaml'), '--format', 'json']);
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  expect((JSON.parse(plan.stdout) as { tasks: Array<{ changes: unknown[] }> }).tasks.flatMap((task) => task.changes)).toEqual([]);
}

describe(`two PreSync runs at once on the same config (Kafka ${VERSION})`, () => {
  it('creating everything from scratch: both end cleanly, the declared state is reached, nothing is duplicated', async () => {
    const dir = workspace();
    const both = await Promise.all([0, 1].map(() => runCli(['presync', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 120_000 })));
    for (const result of both) expectCleanEnd(result);
    process.stdout.write(`concurrent create: exits ${both.map((result) => result.code).join(' and ')}\n`);
    expect(both.some((result) => result.code === 0), both.map((result) => result.stdout).join('\n====\n')).toBe(true);

    const topics = await topicsWithPrefix(admin, RUN);
    expect(topics.size).toBe(200);
    expect(countGenerations(topics, TOPICS)).toMatchObject({ old: 200, partial: [], missing: [] });
    // One version per subject: the second registration of the same schema found the first.
    for (const subject of SUBJECTS) expect(await versionsOf(harness().registry.url, subject), subject).toEqual([1]);
    const acls = await aclsOf(admin, PRINCIPAL);
    expect(new Set(acls).size).toBe(acls.length);
    expect(acls.length).toBe(7);
    await expectNothingPlanned(dir);
  });

  it('changing the config of 200 topics from two runs at once: both end cleanly and every topic holds the new config', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'topics.yaml'), topicFile(TOPICS, NEW_CONFIG));
    const both = await Promise.all([0, 1].map(() => runCli(['presync', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 120_000 })));
    for (const result of both) expectCleanEnd(result);
    process.stdout.write(`concurrent config change: exits ${both.map((result) => result.code).join(' and ')}\n`);
    expect(both.some((result) => result.code === 0)).toBe(true);
    expect(countGenerations(await topicsWithPrefix(admin, RUN), TOPICS)).toMatchObject({ new: 200, partial: [], missing: [] });
    for (const subject of SUBJECTS) expect(await versionsOf(harness().registry.url, subject), subject).toEqual([1]);
    await expectNothingPlanned(dir);
  });
});
