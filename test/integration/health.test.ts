import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClients, type Clients } from '../../src/clients/index.js';
import { ClusterConfig } from '../../src/config/common.js';
import { parseConfig } from '../../src/synchook-config.js';
import type { SynchookConfig } from '../../src/synchook-config.js';
import { UnreachableError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { healthTask } from '../../src/tasks/health/index.js';
import type { TaskContext, TaskOutcome } from '../../src/tasks/types.js';
import { harness } from '../harness/index.js';
import { TOOL_MAIN_CLASSES } from '../harness/kafka.js';

const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const log = createLogger({ level: 'silent' });

interface Setup {
  config: SynchookConfig;
  clients: Clients;
  dir: string;
}

function setup(brokers: string, extra: Record<string, unknown> = {}, clusterExtra: Record<string, unknown> = {}): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-health-'));
  const config = { environment: 'it', timeout: 120_000, cluster: ClusterConfig.parse({ brokers: [brokers], ...clusterExtra }), ...extra } as SynchookConfig;
  return { config, clients: createClients(config, dir, log), dir };
}

function runHealth(env: Setup, section: Record<string, unknown>, deadlineMs = 60_000): Promise<TaskOutcome> {
  const at = Date.now() + deadlineMs;
  const ctx: TaskContext = { config: env.config, configDir: env.dir, log, signal: new AbortController().signal, deadline: { at, remaining: () => Math.max(0, at - Date.now()) }, clients: env.clients };
  return healthTask.run(ctx, healthTask.configSchema.parse(section));
}

let counter = 0;
const unique = (prefix: string) => `${prefix}.${Date.now().toString(36)}.${(counter += 1)}`;

describe(`health checks against Kafka ${VERSION}`, () => {
  let env: Setup;
  let admin: Admin;
  let kafka: Kafka;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    env = setup(harness().kafka.bootstrap);
    admin = await env.clients.admin();
    kafka = new Kafka({ brokers: [harness().kafka.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.disconnect().catch(() => undefined)));
  });
  afterAll(async () => {
    await env.clients.close();
  });

  /** A real Java console consumer from the harness's Kafka jars. */
  function startConsoleConsumer(args: string[]): ChildProcess {
    const libs = harness().kafka.libsDir;
    const toolsLibs = existsSync(join(libs, '..', 'tools-libs')) ? join(libs, '..', 'tools-libs') : libs;
    const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    return spawn(java, ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', `${toolsLibs}/*`, TOOL_MAIN_CLASSES['kafka-console-consumer']![0]!, ...args], { stdio: 'ignore' });
  }

  async function produce(topic: string, count: number, partitions: number): Promise<void> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, index) => ({ value: `m${index}`, partition: index % partitions })) });
    await producer.disconnect();
  }

  /** Commits offsets for a group the way its consumer would, then leaves the group empty. */
  async function commitOffsets(groupId: string, topic: string, offsets: string[]): Promise<void> {
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    consumer.pause([{ topic }]);
    await joined;
    await consumer.commitOffsets(offsets.map((offset, partition) => ({ topic, partition, offset })));
    await consumer.disconnect();
  }

  /** An application consumer of `topic` that commits what it reads, like a real service. */
  async function startApp(groupId: string, topic: string, options: { paused?: boolean } = {}): Promise<{ consumer: Consumer; consumed: () => number }> {
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, heartbeatInterval: 500, sessionTimeout: 10_000 });
    consumers.push(consumer);
    let consumed = 0;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async () => {
        consumed += 1;
      },
    });
    if (options.paused) consumer.pause([{ topic }]);
    await joined;
    return { consumer, consumed: () => consumed };
  }

  it('passes for existing topics with their partitions and a Stable group that keeps up, with the figures', async () => {
    const topic = unique('orders');
    const group = unique('orders-service');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    await produce(topic, 30, 3);
    const app = await startApp(group, topic);
    for (let attempt = 0; attempt < 100 && app.consumed() < 30; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));

    const outcome = await runHealth(env, { topics: [{ name: topic, partitions: 3, replicationFactor: 1 }], consumerGroups: [{ group, maxLag: 0, waitFor: '20s' }] });
    expect(outcome.violations).toEqual([]);
    expect(outcome.summary).toBe('1/1 topics ok (3 partitions), 1/1 group ready, lag ≤ 0');
    expect(outcome.figures).toMatchObject({ topics: 1, topicsHealthy: 1, partitions: 3, offlinePartitions: 0, underReplicatedPartitions: 0, groups: 1, groupsReady: 1, maxLag: 0 });
    expect(outcome.details?.join('\n')).toMatch(new RegExp(`${group.replace(/\./g, '\\.')}\\s+Stable\\s+1\\s+3\\s+0\\s+0`));
  });

  it('fails naming each topic that is missing or has another partition count', async () => {
    const topic = unique('payments');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const missing = unique('refunds');
    const outcome = await runHealth(env, { topics: [{ name: topic, partitions: 4 }, { name: missing }] });
    expect(outcome.violations).toEqual([
      { resource: `topic ${topic}`, rule: 'partitions', message: 'has 2 partitions, 4 declared (at health.topics[0]). Run PreSync to add the missing partitions.' },
      { resource: `topic ${missing}`, rule: 'topic-exists', message: 'does not exist (declared at health.topics[1]). Create it in PreSync (topics section), fix the name, or grant the synchook principal DESCRIBE on it (a topic it may not describe looks missing).' },
    ]);
    expect(outcome.summary).toBe('0/2 topics ok (2 partitions)');
    expect((await admin.listTopics()).includes(missing)).toBe(false);
  });

  it('checks the topics the topics section declares, with their file and line', async () => {
    const declared = unique('inventory');
    await admin.createTopics({ topics: [{ topic: declared, numPartitions: 1 }] });
    // The config as the loader hands it over: the topics section validated by its own task.
    const dir = mkdtempSync(join(tmpdir(), 'synchook-health-'));
    const { config } = parseConfig(`cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\ntopics:\n  files: topics.yaml\nhealth:\n  fromTopicsSection: true\n`, { file: join(dir, 'synchook.yaml'), env: {} });
    const withTopics: Setup = { config, clients: createClients(config, dir, log), dir };
    writeFileSync(join(withTopics.dir, 'topics.yaml'), `topics:\n  - name: ${declared}\n    partitions: 6\n`);
    const outcome = await runHealth(withTopics, { fromTopicsSection: true });
    expect(outcome.violations).toHaveLength(1);
    expect(outcome.violations![0]!.message).toBe('has 1 partitions, 6 declared (at topics.yaml:2:5). Run PreSync to add the missing partitions.');
    await withTopics.clients.close();
  });

  it('fails after the bounded wait when a group never joins', async () => {
    const group = unique('never-joins');
    const started = Date.now();
    const outcome = await runHealth(env, { consumerGroups: [{ group, waitFor: '2s' }] });
    const elapsed = Date.now() - started;
    expect(outcome.violations).toHaveLength(1);
    expect(outcome.violations![0]!.rule).toBe('group-stable');
    expect(outcome.violations![0]!.message).toMatch(/^did not become Stable with at least 1 member within \d(\.\d)? s: it does not exist \(no consumer has joined it\)\. Check that the application's consumers are running and can reach Kafka\.$/);
    expect(outcome.summary).toBe('0/1 group ready');
    expect(elapsed).toBeGreaterThanOrEqual(1_500);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('fails with the lag figures when a group with committed offsets falls behind', async () => {
    const topic = unique('events');
    const group = unique('events-batch');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await produce(topic, 10, 2);
    // The group consumed everything so far (offsets 5 and 5), then the producer kept going.
    await commitOffsets(group, topic, ['5', '5']);
    await produce(topic, 60, 2);
    const outcome = await runHealth(env, { consumerGroups: [{ group, minMembers: 0, maxLag: 10, waitFor: '1s' }] });
    expect(outcome.violations).toHaveLength(1);
    expect(outcome.violations![0]!.message).toMatch(
      new RegExp(`^lag 30 is above maxLag 10 on 2 of 2 partitions after waiting [\\d.]+ (ms|s) \\(${topic.replace(/\./g, '\\.')}\\[0\\] lag 30: committed 5, end 35; ${topic.replace(/\./g, '\\.')}\\[1\\] lag 30: committed 5, end 35\\)`),
    );
    expect(outcome.figures).toMatchObject({ maxLag: 30, totalLag: 60 });
    expect(outcome.summary).toBe('1/1 group ready, lag ≤ 30');
  });

  it('counts a partition a running member never committed as lag from the log start, or skips it when told', async () => {
    const topic = unique('audit');
    const group = unique('audit-reader');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await produce(topic, 25, 1);
    // A member that joined but consumes nothing: Stable, no committed offset, 25 records unread.
    await startApp(group, topic, { paused: true });
    const counted = await runHealth(env, { consumerGroups: [{ group, maxLag: 5, waitFor: '1s' }] });
    expect(counted.violations).toHaveLength(1);
    expect(counted.violations![0]!.message).toContain(`${topic}[0] lag 25: nothing committed, log start 0, end 25`);
    const skipped = await runHealth(env, { consumerGroups: [{ group, maxLag: 5, waitFor: '1s', withoutCommittedOffset: 'skip' }] });
    expect(skipped.violations).toEqual([]);
    expect(skipped.warnings).toEqual([`consumer group ${group}: no partition to measure the lag of (no assignment and no committed offsets yet).`]);
  });

  it('waits for lag to fall within the bound while the application catches up', async () => {
    const topic = unique('clicks');
    const group = unique('clicks-service');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await produce(topic, 40, 1);
    const app = await startApp(group, topic, { paused: true });
    setTimeout(() => app.consumer.resume([{ topic }]), 1_500);
    const outcome = await runHealth(env, { consumerGroups: [{ group, maxLag: 0, waitFor: '20s' }] });
    expect(outcome.violations).toEqual([]);
    expect(outcome.figures).toMatchObject({ maxLag: 0 });
  });

  it.runIf(VERSION === '4')('checks the lag of a group on the KIP-848 consumer protocol and says its members cannot be read', async () => {
    const topic = unique('kip848');
    const group = unique('kip848-service');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await produce(topic, 4, 2);
    const { kafka: broker } = harness();
    const tool = startConsoleConsumer(['--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--from-beginning', '--consumer-property', 'group.protocol=consumer', '--timeout-ms', '30000']);
    try {
      for (let attempt = 0; attempt < 150; attempt += 1) {
        const { groups } = await admin.listGroups();
        if (groups.some((candidate) => candidate.groupId === group)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const outcome = await runHealth(env, { consumerGroups: [{ group, topics: [topic], maxLag: 10, waitFor: '5s' }] });
      expect(outcome.violations).toEqual([]);
      expect(outcome.figures).toMatchObject({ groupsReady: 1 });
      expect(outcome.warnings).toEqual([`consumer group ${group}: uses the consumer group protocol of KIP-848 (group.protocol=consumer), whose state and members the classic DescribeGroups cannot read; only its lag was checked.`]);
      expect(outcome.details?.join('\n')).toMatch(new RegExp(`${group.replace(/\./g, '\\.')}\\s+Unknown`));
    } finally {
      tool.kill('SIGKILL');
    }
  });
});

describe('health when Kafka cannot be reached', () => {
  it('exits 3 naming the address', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const env = setup(`127.0.0.1:${port}`, {}, { connectionTimeout: '1s', retries: 1 });
    const error = await runHealth(env, { topics: [{ name: 'orders' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    await env.clients.close();
  });
});
