import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Clients } from '../../src/clients/index.js';
import { createKafka } from '../../src/clients/kafka.js';
import { createKafkaAdmin } from '../../src/clients/kafka/admin.js';
import { loadConfig } from '../../src/synchook-config.js';
import { createLogger } from '../../src/log.js';
import type { RunSummary } from '../../src/report/types.js';
import { runPhase } from '../../src/runner.js';
import { aclsTask } from '../../src/tasks/acls/index.js';
import { TaskFailedError } from '../../src/errors.js';
import { applyTopicPlan } from '../../src/tasks/topics/apply.js';
import { topicsTask } from '../../src/tasks/topics/index.js';
import { ConfigResourceTypes, ConfigSource } from '../../src/tasks/shared/kafka-enums.js';
import { harness } from '../harness/index.js';
import { TOOL_MAIN_CLASSES } from '../harness/kafka.js';
import { runCli } from '../harness/run-cli.js';

const execFileAsync = promisify(execFile);
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
/** Every topic of this file starts with it, so runs and files never meet. */
const RUN = `it${randomBytes(3).toString('hex')}`;
const WRITE_REQUESTS = ['CreateTopics', 'CreatePartitions', 'AlterConfigs', 'IncrementalAlterConfigs', 'DeleteTopics', 'CreateAcls', 'DeleteAcls'];

let admin: Admin;

beforeAll(async () => {
  admin = new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

afterAll(async () => {
  const { topics } = await admin.fetchTopicMetadata();
  const ours = topics.map((topic) => topic.name).filter((name) => name.startsWith(RUN));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await admin.disconnect();
});

/** A config folder with synchook.yaml and the given files; `prefix` is the test's managed prefix. */
function workspace(topicsSection: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-topics-it-'));
  writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\n  retries: 2\n${topicsSection}`);
  writeFiles(dir, files);
  return dir;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

function cli(dir: string, command: string, ...args: string[]) {
  return runCli([command, '-c', join(dir, 'synchook.yaml'), ...args]);
}

/** Runs a phase in-process on an admin client that records every request it sends. */
async function runCounted(dir: string, mode: 'presync' | 'plan' = 'presync'): Promise<{ summary: RunSummary; requests: string[] }> {
  const log = createLogger({ level: 'silent' });
  const loaded = loadConfig(join(dir, 'synchook.yaml'), {});
  const kafka = createKafka(loaded.config.cluster!, { dir, log });
  const counted = kafka.admin();
  const requests: string[] = [];
  await counted.connect();
  // Counted from here: the requests of the run, not those of the test's own connect.
  counted.on(counted.events.REQUEST, (event) => requests.push(event.payload.apiName));
  const perItem = createKafkaAdmin(kafka, { retries: 3, onRequest: (name) => requests.push(name) });
  const clients: Clients = {
    kafka: () => kafka,
    admin: async () => counted,
    kafkaAdmin: () => perItem,
    registry: () => {
      throw new Error('no registry in this test');
    },
    close: async () => undefined,
  };
  try {
    const summary = await runPhase({ mode, loaded, log, clients, tasks: [topicsTask, aclsTask] });
    return { summary, requests };
  } finally {
    await Promise.all([counted.disconnect(), perItem.close()]);
  }
}

async function describeTopic(name: string) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name }] });
  const own = Object.fromEntries(resources[0]!.configEntries.filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG).map((entry) => [entry.configName, entry.configValue]));
  const partitions = topics[0]!.partitions;
  return { partitions: partitions.length, replicationFactor: partitions[0]!.replicas.length, leaders: partitions.every((partition) => partition.leader >= 0), own };
}

async function topicExists(name: string): Promise<boolean> {
  const { topics } = await admin.fetchTopicMetadata();
  return topics.some((topic) => topic.name === name);
}

/** Runs a Kafka command-line tool from the harness's jars (the tools may live in their own classpath). */
async function kafkaTool(tool: string, args: string[]): Promise<string> {
  const libs = harness().kafka.libsDir;
  const toolsLibs = existsSync(join(libs, '..', 'tools-libs')) ? join(libs, '..', 'tools-libs') : libs;
  let lastError: unknown;
  for (const mainClass of TOOL_MAIN_CLASSES[tool] ?? [tool]) {
    try {
      const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
      const { stdout } = await execFileAsync(java, ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', `${toolsLibs}/*`, mainClass, ...args], { timeout: 60_000 });
      return stdout;
    } catch (error) {
      lastError = error;
      if (!/Could not find or load main class|ClassNotFoundException/.test(String((error as { stderr?: string }).stderr))) break;
    }
  }
  throw lastError;
}

describe(`topics task against Kafka ${VERSION}`, () => {
  it('creates declared topics through the CLI, prints the diff, and a rerun plans and writes nothing', async () => {
    const p = `${RUN}.create.`;
    const dir = workspace(`topics:\n  files: [topics/*.yaml]\n  managedPrefix: "${p}"\n  defaults: { replicationFactor: 1 }\n`, {
      'topics/orders.yaml': `topics:\n  - name: ${p}orders\n    partitions: 3\n    config:\n      retention.ms: 86400000\n      cleanup.policy: [compact, delete]\n  - name: ${p}payments\n`,
    });

    const plan = await cli(dir, 'plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`+ topic ${p}orders: 3 partitions, replication factor 1`);
    expect(plan.stdout).toContain('cleanup.policy = compact,delete');
    expect(await topicExists(`${p}orders`)).toBe(false);

    // The same diff as JSON, and as Markdown into the GitHub step summary.
    const summaryFile = join(dir, 'step-summary.md');
    const json = await runCli(['plan', '-c', join(dir, 'synchook.yaml'), '--format', 'json'], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { tasks: Array<{ task: string; changes: Array<{ action: string; resource: string }>; figures: Record<string, number> }> };
    expect(parsed.tasks[0]!.changes.map((change) => `${change.action} ${change.resource}`)).toEqual([`create topic ${p}orders`, `create topic ${p}payments`]);
    expect(parsed.tasks[0]!.figures).toMatchObject({ declared: 2, create: 2 });
    const markdown = readFileSync(summaryFile, 'utf8');
    expect(markdown).toContain('```diff');
    expect(markdown).toContain(`+ topic ${p}orders: 3 partitions, replication factor 1`);

    const applied = await cli(dir, 'presync');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('2 topics created');
    const orders = await describeTopic(`${p}orders`);
    expect(orders).toEqual({ partitions: 3, replicationFactor: 1, leaders: true, own: { 'retention.ms': '86400000', 'cleanup.policy': 'compact,delete' } });
    // Undeclared partitions: the broker default (num.partitions=1 in the harness).
    expect((await describeTopic(`${p}payments`)).partitions).toBe(1);

    const again = await runCounted(dir);
    expect(again.summary.exitCode).toBe(0);
    expect(again.summary.results[0]!.changes).toEqual([]);
    expect(again.summary.results[0]!.summary).toBe('no changes (2 topics declared)');
    expect(again.requests.filter((name) => WRITE_REQUESTS.includes(name))).toEqual([]);

    const rerun = await cli(dir, 'presync');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('no changes (2 topics declared)');
  });

  it('adds partitions and changes configs, keeping a key set out of band with kafka-configs', async () => {
    const p = `${RUN}.change.`;
    const topic = `${p}orders`;
    const dir = workspace(`topics:\n  files: [topics.yaml]\n  managedPrefix: "${p}"\n`, {
      'topics.yaml': `topics:\n  - name: ${topic}\n    partitions: 2\n    replicationFactor: 1\n    config: { retention.ms: 86400000 }\n`,
    });
    expect((await runCounted(dir)).summary.exitCode).toBe(0);

    // Someone sets a key by hand, with Kafka's own tool (IncrementalAlterConfigs).
    await kafkaTool('kafka-configs', ['--bootstrap-server', harness().kafka.bootstrap, '--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', 'max.message.bytes=2097152']);
    expect((await describeTopic(topic)).own).toEqual({ 'retention.ms': '86400000', 'max.message.bytes': '2097152' });

    writeFiles(dir, { 'topics.yaml': `topics:\n  - name: ${topic}\n    partitions: 6\n    replicationFactor: 1\n    config: { retention.ms: 3600000, cleanup.policy: compact }\n` });
    const plan = await cli(dir, 'plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`~ topic ${topic}: partitions 2 → 6; 2 config changes`);
    expect(plan.stdout).toContain('retention.ms: 86400000 → 3600000');
    expect(plan.stdout).toContain('cleanup.policy: delete (default) → compact');
    expect(plan.stdout).not.toContain('max.message.bytes');

    const applied = await cli(dir, 'presync');
    expect(applied.code).toBe(0);
    const after = await describeTopic(topic);
    expect(after.partitions).toBe(6);
    expect(after.leaders).toBe(true);
    expect(after.own).toEqual({ 'retention.ms': '3600000', 'cleanup.policy': 'compact', 'max.message.bytes': '2097152' });

    // prune: true reverts what the files do not declare.
    writeFiles(dir, { 'synchook.yaml': `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\ntopics:\n  files: [topics.yaml]\n  managedPrefix: "${p}"\n  prune: true\n` });
    const pruned = await cli(dir, 'presync');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('max.message.bytes: 2097152 → (default, prune)');
    expect((await describeTopic(topic)).own).toEqual({ 'retention.ms': '3600000', 'cleanup.policy': 'compact' });
  });

  it('refuses a partition decrease and a replication factor change, and applies nothing of the run', async () => {
    const p = `${RUN}.refuse.`;
    const dir = workspace(`topics:\n  files: [topics.yaml]\n  managedPrefix: "${p}"\n`, { 'topics.yaml': `topics:\n  - name: ${p}orders\n    partitions: 4\n    replicationFactor: 1\n` });
    expect((await runCounted(dir)).summary.exitCode).toBe(0);

    writeFiles(dir, {
      'topics.yaml': `topics:\n  - name: ${p}orders\n    partitions: 2\n    replicationFactor: 3\n    config: { retention.ms: 1000 }\n  - name: ${p}new\n`,
    });
    const run = await cli(dir, 'presync');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`! topic ${p}orders: partitions 4 → 2 is a decrease; Kafka cannot remove partitions. Create a new topic or keep 4.`);
    expect(run.stdout).toContain('replication factor 1 → 3 needs a partition reassignment');
    expect(run.stdout).toContain('topics.yaml:2:5');
    expect(await topicExists(`${p}new`)).toBe(false);
    expect((await describeTopic(`${p}orders`)).own).toEqual({});
  });

  it('refuses an invalid name, an unknown config key and a bad value, asking the broker, with nothing applied', async () => {
    const p = `${RUN}.invalid.`;
    const existing = `${p}existing`;
    const dir = workspace(`topics:\n  files: [topics.yaml]\n`, { 'topics.yaml': `topics:\n  - name: ${existing}\n` });
    expect((await runCounted(dir)).summary.exitCode).toBe(0);

    writeFiles(dir, {
      'topics.yaml': [
        'topics:',
        `  - name: ${p}bad name`,
        `  - name: ${p}new`,
        '    config: { max.message.byte: 1000, retention.ms: 1000 }',
        `  - name: ${existing}`,
        '    config: { segment.bytes: not-a-number }',
        `  - name: ${p}fine`,
        '',
      ].join('\n'),
    });
    const { summary, requests } = await runCounted(dir);
    expect(summary.exitCode).toBe(1);
    const violations = summary.results[0]!.violations.map((violation) => `${violation.resource}: ${violation.message}`);
    expect(violations).toEqual([
      expect.stringMatching(/^topic .*bad name: the name contains " "/),
      // IncrementalAlterConfigs carries the broker's own message.
      expect.stringMatching(new RegExp(`^topic ${existing.replace(/\./g, '\\.')}: the broker refused config segment\\.bytes=not-a-number \\(INVALID_CONFIG: .*not-a-number.*\\)\\. Fix the key or its value\\.$`)),
      `topic ${p}new: the broker refused config max.message.byte=1000 (INVALID_CONFIG): max.message.byte is not a topic config this broker knows (did you mean max.message.bytes?). Fix the key or its value.`,
    ]);
    // Validate-only requests were sent; nothing was created or changed.
    expect(requests.filter((name) => WRITE_REQUESTS.includes(name)).length).toBeGreaterThan(0);
    expect(await topicExists(`${p}fine`)).toBe(false);
    expect(await topicExists(`${p}new`)).toBe(false);
    expect((await describeTopic(existing)).own).toEqual({});
  });

  it('refuses to delete an undeclared topic under the managed prefix unless delete is managed', async () => {
    const p = `${RUN}.delete.`;
    const dir = workspace(`topics:\n  files: [topics.yaml]\n  managedPrefix: "${p}"\n`, { 'topics.yaml': `topics:\n  - name: ${p}keep\n  - name: ${p}old\n` });
    expect((await runCounted(dir)).summary.exitCode).toBe(0);
    writeFiles(dir, { 'topics.yaml': `topics:\n  - name: ${p}keep\n` });

    const forbidden = await cli(dir, 'presync');
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toContain(`! topic ${p}old: the topic is under topics.managedPrefix ("${p}") but no longer declared`);
    expect(forbidden.stdout).toContain('(rule forbid-delete)');
    expect(await topicExists(`${p}old`)).toBe(true);

    writeFiles(dir, { 'synchook.yaml': `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\ntopics:\n  files: [topics.yaml]\n  managedPrefix: "${p}"\n  delete: managed\n` });
    const managed = await cli(dir, 'presync');
    expect(managed.code).toBe(0);
    expect(managed.stdout).toContain(`- topic ${p}old`);
    expect(await topicExists(`${p}old`)).toBe(false);
    expect(await topicExists(`${p}keep`)).toBe(true);
  });

  it('creates topics from Strimzi KafkaTopic resources in v1beta2 and v1', async () => {
    const p = `${RUN}.strimzi.`;
    const dir = workspace(`topics:\n  files: [strimzi/*.yaml]\n  managedPrefix: "${p}"\n`, {
      'strimzi/topics.yaml': [
        'apiVersion: kafka.strimzi.io/v1beta2',
        'kind: KafkaTopic',
        'metadata:',
        '  name: payments-v1',
        '  labels: { strimzi.io/cluster: my-cluster }',
        'spec:',
        `  topicName: ${p}payments.v1`,
        '  partitions: 2',
        '  replicas: 1',
        '  config:',
        '    retention.ms: 7200000',
        '    unclean.leader.election.enable: false',
        '---',
        'apiVersion: kafka.strimzi.io/v1',
        'kind: KafkaTopic',
        'metadata:',
        `  name: ${p}dlq`,
        'spec:',
        '  partitions: 1',
        '  replicas: 1',
        '',
      ].join('\n'),
    });
    const run = await cli(dir, 'presync');
    expect(run.code).toBe(0);
    expect(await describeTopic(`${p}payments.v1`)).toEqual({ partitions: 2, replicationFactor: 1, leaders: true, own: { 'retention.ms': '7200000', 'unclean.leader.election.enable': 'false' } });
    expect((await describeTopic(`${p}dlq`)).partitions).toBe(1);
    expect((await runCounted(dir)).summary.results[0]!.changes).toEqual([]);
  });

  it('lets two runs at the same time converge', async () => {
    const p = `${RUN}.race.`;
    const topics = Array.from({ length: 30 }, (_, index) => `  - name: ${p}t${index}\n    partitions: 2\n    config: { retention.ms: ${1000 + index} }\n`).join('');
    const dir = workspace(`topics:\n  files: [topics.yaml]\n  managedPrefix: "${p}"\n`, { 'topics.yaml': `topics:\n${topics}` });
    const [first, second] = await Promise.all([cli(dir, 'presync'), cli(dir, 'presync')]);
    expect([first.code, second.code]).toEqual([0, 0]);
    const after = await runCounted(dir, 'plan');
    expect(after.summary.results[0]!.changes).toEqual([]);
    expect(await describeTopic(`${p}t7`)).toMatchObject({ partitions: 2, own: { 'retention.ms': '1007' } });
  });

  it('batches: many topics take one CreateTopics request to validate, one to create; a no-op takes one Metadata and one DescribeConfigs request', async () => {
    const p = `${RUN}.batch.`;
    const topics = Array.from({ length: 60 }, (_, index) => `  - name: ${p}t${index}\n    partitions: 2\n    config: { retention.ms: 3600000, cleanup.policy: delete }\n`).join('');
    const dir = workspace(`topics:\n  files: [topics.yaml]\n  managedPrefix: "${p}"\n`, { 'topics.yaml': `topics:\n${topics}` });
    const created = await runCounted(dir);
    expect(created.summary.exitCode).toBe(0);
    expect(created.requests.filter((name) => name === 'CreateTopics')).toHaveLength(2);
    const noop = await runCounted(dir);
    expect(noop.summary.results[0]!.summary).toBe('no changes (60 topics declared)');
    // A no-op asks the cluster twice: one Metadata request lists every topic (and finds the controller), one DescribeConfigs reads all their configs.
    expect(noop.requests.sort()).toEqual(['DescribeConfigs', 'Metadata']);
  });

  it('apply reports a topic created meanwhile exactly as declared as already existing (not created), and names what the broker refused', async () => {
    const p = `${RUN}.apply.`;
    await admin.createTopics({ topics: [{ topic: `${p}raced`, numPartitions: 1 }], waitForLeaders: false });
    const creation = (name: string, replicationFactor?: number) => ({ name, partitions: 1, replicationFactor, config: {}, source: 'topics.yaml:1:1' });
    const kafkaAdmin = createKafkaAdmin(new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING }), { retries: 3 });
    onTestFinished(() => kafkaAdmin.close());
    const input = (creates: ReturnType<typeof creation>[]) => ({
      admin,
      kafkaAdmin,
      state: { creates, partitionIncreases: [], configChanges: [], deletes: [] },
      requestTimeoutMs: 10_000,
      settleTimeoutMs: 30_000,
      signal: new AbortController().signal,
      log: createLogger({ level: 'silent' }),
    });
    const result = await applyTopicPlan(input([creation(`${p}raced`), creation(`${p}fresh`)]));
    expect(result.created).toEqual([`${p}fresh`]);
    expect(result.alreadyExisted).toEqual([`${p}raced`]);
    expect((await describeTopic(`${p}fresh`)).leaders).toBe(true);

    const failure = await applyTopicPlan(input([creation(`${p}raced`), creation(`${p}toomany`, 7), creation(`${p}other`)])).catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect((failure as Error).message).toContain(`the broker refused ${p}toomany (INVALID_REPLICATION_FACTOR`);
    expect((failure as Error).message).toContain('Applied before the failure: 1 topic created.');
  });

  it('exits 2 naming the field when a glob matches nothing, without contacting Kafka', async () => {
    const dir = workspace(`topics:\n  files: [topics/*.yaml]\n`, {});
    const run = await cli(dir, 'presync');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('topics.files[0]: the pattern topics/*.yaml matches no file');
  });
});
