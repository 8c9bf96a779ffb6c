import { existsSync, readFileSync } from 'node:fs';
import kafkajs, { type Admin, type Kafka, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSIONS, resolveKafkaVersion, startKafka, type StartedKafka } from './kafka.js';

// kafkajs is CommonJS; its enums are only reachable through the default export under Node's ESM.
const { Kafka: KafkaClient, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes, ConfigResourceTypes } = kafkajs;

// One version when the run selects one (as the integration project does), otherwise every version.
const versions = process.env.SYNCHOOK_KAFKA_VERSION ? [resolveKafkaVersion()] : [KAFKA_VERSIONS['3.9'], KAFKA_VERSIONS['4']];

function client(config: Omit<KafkaConfig, 'clientId'>): Kafka {
  return new KafkaClient({ clientId: 'harness-test', logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, ...config });
}

function saslClient(kafka: StartedKafka, sasl: SASLOptions, tls: { cert?: string; key?: string } = {}): Kafka {
  return client({ brokers: [kafka.saslBootstrap], ssl: { ca: [kafka.caPem], ...tls }, sasl });
}

async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function produce(kafka: Kafka, topic: string, value: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: 'k', value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads the first `count` values of a topic with a fresh consumer group. */
async function consume(kafka: Kafka, topic: string, count = 1): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `harness-test-${topic}-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${count} messages from ${topic} in 30 s`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(String(message.value));
            if (values.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return values;
  } finally {
    await consumer.disconnect();
  }
}

/** Kafka error types (e.g. TOPIC_AUTHORIZATION_FAILED) along an error's cause chain. */
function errorTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let current = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined; current; ) {
    if (current.type) types.push(current.type);
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return types;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

describe.each(versions)('Kafka %s harness', (version) => {
  let kafka: StartedKafka;
  let plaintext: Kafka;

  beforeAll(async () => {
    const started = Date.now();
    kafka = await startKafka({ version });
    process.stdout.write(`Kafka ${kafka.version} ready in ${Date.now() - started} ms (PLAINTEXT ${kafka.bootstrap}, SASL_SSL ${kafka.saslBootstrap})\n`);
    plaintext = client({ brokers: [kafka.bootstrap] });
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  it('starts the requested release on 127.0.0.1 with its logs in the data dir', () => {
    expect(kafka.version).toBe(version);
    expect(kafka.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(kafka.saslBootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(kafka.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(readFileSync(kafka.logFile, 'utf8')).toContain('Kafka Server started');
    expect(readFileSync(kafka.caFile, 'utf8')).toBe(kafka.caPem);
  });

  it('creates a topic, produces and consumes a message over PLAINTEXT', async () => {
    await withAdmin(plaintext, async (admin) => {
      expect((await admin.describeCluster()).clusterId).toBe(kafka.clusterId);
      await admin.createTopics({ topics: [{ topic: 'plain.roundtrip', numPartitions: 1 }], waitForLeaders: true });
    });
    await produce(plaintext, 'plain.roundtrip', 'hello');
    expect(await consume(plaintext, 'plain.roundtrip')).toEqual(['hello']);
  });

  it.each(['scram-sha-512', 'scram-sha-256', 'plain'] as const)('authenticates the admin over SASL_SSL with %s and round-trips a message', async (mechanism) => {
    const sasl = saslClient(kafka, { mechanism, username: kafka.admin.username, password: kafka.admin.password } as SASLOptions);
    const topic = `sasl.${mechanism}`;
    await withAdmin(sasl, async (admin) => {
      expect((await admin.describeCluster()).clusterId).toBe(kafka.clusterId);
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    });
    await produce(sasl, topic, mechanism);
    expect(await consume(sasl, topic)).toEqual([mechanism]);
  });

  it('rejects a wrong password over SASL_SSL', async () => {
    const sasl = saslClient(kafka, { mechanism: 'scram-sha-512', username: kafka.admin.username, password: 'wrong' });
    const error = await failure(withAdmin(sasl, (admin) => admin.listTopics()));
    expect((error as Error).name).toBe('KafkaJSSASLAuthenticationError');
  });

  it('accepts a client certificate signed by the harness CA on the SASL_SSL listener', async () => {
    const tls = { cert: readFileSync(kafka.clientCertFile, 'utf8'), key: readFileSync(kafka.clientKeyFile, 'utf8') };
    const sasl = saslClient(kafka, { mechanism: 'scram-sha-512', username: kafka.admin.username, password: kafka.admin.password }, tls);
    expect((await withAdmin(sasl, (admin) => admin.describeCluster())).clusterId).toBe(kafka.clusterId);
  });

  it('denies a user without ACLs until an ACL grants it the topic', async () => {
    const topic = 'acl.guarded';
    await withAdmin(plaintext, (admin) => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
    const app = saslClient(kafka, { mechanism: 'scram-sha-512', username: kafka.users.app!.username, password: kafka.users.app!.password });

    const denied = await failure(produce(app, topic, 'denied'));
    expect(errorTypes(denied)).toContain('TOPIC_AUTHORIZATION_FAILED');

    await withAdmin(plaintext, (admin) =>
      admin.createAcls({
        acl: [AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE].map((operation) => ({
          resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: 'User:app', host: '*', operation, permissionType: AclPermissionTypes.ALLOW,
        })),
      }),
    );
    await produce(app, topic, 'allowed');
    expect(await consume(plaintext, topic)).toEqual(['allowed']);

    // The other user is still denied: ACLs are per principal.
    const limited = saslClient(kafka, { mechanism: 'scram-sha-256', username: kafka.users.limited!.username, password: kafka.users.limited!.password });
    expect(errorTypes(await failure(produce(limited, topic, 'denied')))).toContain('TOPIC_AUTHORIZATION_FAILED');
  });

  it('alters a topic config out of band with kafka-configs', async () => {
    const topic = 'configs.out-of-band';
    await withAdmin(plaintext, (admin) => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
    const result = await kafka.runTool('kafka-configs', ['--bootstrap-server', kafka.bootstrap, '--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', 'retention.ms=123456']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const described = await withAdmin(plaintext, (admin) =>
      admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] }));
    expect(described.resources[0]?.configEntries).toEqual([expect.objectContaining({ configName: 'retention.ms', configValue: '123456', isDefault: false })]);

    const listed = await kafka.runTool('kafka-topics', ['--bootstrap-server', kafka.bootstrap, '--describe', '--topic', topic]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('retention.ms=123456');
  });

  it('answers the kafkajs admin calls synchook uses', async () => {
    const topic = 'admin.calls';
    const group = 'admin.calls.group';
    await withAdmin(plaintext, async (admin) => {
      // kafkajs waits for the leaders of a validate-only topic that never exists unless told not to.
      await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic, numPartitions: 2 }] });
      expect(await admin.listTopics()).not.toContain(topic);
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true });
      await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
      expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions).toHaveLength(2);

      // AlterConfigs (kafkajs has no IncrementalAlterConfigs) replaces every dynamic config of the
      // topic: cleanup.policy, not named here, falls back to the broker default.
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '7200000' }] }] });
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }] });
      const byName = Object.fromEntries(configs.resources[0]!.configEntries.map((entry) => [entry.configName, entry]));
      expect(byName['retention.ms']).toMatchObject({ configValue: '7200000', isDefault: false });
      expect(byName['cleanup.policy']).toMatchObject({ configValue: 'delete', isDefault: true });

      const acl = { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:limited', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW };
      await admin.createAcls({ acl: [acl] });
      const filter = { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
      expect((await admin.describeAcls(filter)).resources).toEqual([expect.objectContaining({ resourceName: topic, acls: [expect.objectContaining({ principal: 'User:limited' })] })]);
      const deleted = await admin.deleteAcls({ filters: [acl] });
      expect(deleted.filterResponses[0]?.matchingAcls).toHaveLength(1);
      expect((await admin.describeAcls(filter)).resources).toEqual([]);
    });

    const producer = plaintext.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
    await producer.disconnect();
    const consumer = plaintext.consumer({ groupId: group, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      consumer.run({ eachMessage: async () => void (++seen === 2 && resolve()) }).catch(reject);
    });

    await withAdmin(plaintext, async (admin) => {
      expect((await admin.describeGroups([group])).groups[0]).toMatchObject({ groupId: group, state: 'Stable', protocolType: 'consumer' });
      expect((await admin.listGroups()).groups).toContainEqual(expect.objectContaining({ groupId: group }));
      await consumer.disconnect();
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      expect(offsets[0]?.partitions.map((partition) => partition.offset).sort()).toEqual(['1', '1']);
      expect((await admin.fetchTopicOffsets(topic)).map((partition) => partition.high).sort()).toEqual(['1', '1']);
      expect((await admin.describeGroups([group])).groups[0]).toMatchObject({ state: 'Empty' });
      expect(await admin.deleteGroups([group])).toEqual([expect.objectContaining({ groupId: group, errorCode: 0 })]);
      await admin.deleteTopics({ topics: [topic] });
    });
  });

  it('comes back on the same ports with its data after kill', async () => {
    const topic = 'restart.durable';
    const sasl = saslClient(kafka, { mechanism: 'scram-sha-256', username: kafka.admin.username, password: kafka.admin.password });
    await withAdmin(plaintext, (admin) => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
    await produce(plaintext, topic, 'before-kill');
    const { bootstrap, saslBootstrap } = kafka;
    const pid = kafka.pid!;

    await kafka.kill();
    expect(kafka.pid).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow();

    await kafka.restart();
    expect(kafka.pid).not.toBe(pid);
    expect([kafka.bootstrap, kafka.saslBootstrap]).toEqual([bootstrap, saslBootstrap]);
    expect(await consume(plaintext, topic)).toEqual(['before-kill']);
    // SCRAM credentials live in the metadata log, so they survive the restart too.
    expect((await withAdmin(sasl, (admin) => admin.describeCluster())).clusterId).toBe(kafka.clusterId);
  });

  it('stops cleanly and removes its data dir', async () => {
    const pid = kafka.pid!;
    await kafka.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(kafka.dataDir)).toBe(false);
    await expect(kafka.restart()).rejects.toThrow(/keepData/);
  });
});
