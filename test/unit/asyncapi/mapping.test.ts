import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAsyncApiDeclarations, type AsyncApiDeclarations } from '../../../src/asyncapi/index.js';
import { ConfigError } from '../../../src/errors.js';
import { loadAclDeclarations } from '../../../src/tasks/acls/asyncapi.js';
import { withAsyncApiSubjects } from '../../../src/tasks/schemas/asyncapi.js';
import { folderSource } from '../../../src/tasks/schemas/sources.js';
import { loadTopicDeclarations } from '../../../src/tasks/topics/asyncapi.js';

const FIXTURES = new URL('../../fixtures/asyncapi/', import.meta.url).pathname;
const BAD = join(FIXTURES, 'bad');
// The parser takes seconds per document on a loaded machine.
const SLOW = 90_000;

function load(documents: Array<Record<string, unknown>>, dir = FIXTURES): Promise<AsyncApiDeclarations> {
  return loadAsyncApiDeclarations({ asyncapi: { documents: documents.map((document) => ({ parameters: {}, ...document })) } }, dir)!;
}

async function refusal(documents: Array<Record<string, unknown>>, dir = FIXTURES): Promise<string> {
  const error = await load(documents, dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('AsyncAPI mapping: the Streetlights example (AsyncAPI 3.1)', () => {
  const streetlights = { file: 'streetlights-kafka-asyncapi-3.1.yml', principal: 'User:streetlights', parameters: { streetlightId: ['1', '2'] } };

  it('makes one topic per parameter value, from the channel addresses', { timeout: SLOW }, async () => {
    const declared = await load([streetlights]);
    expect(declared.topics.map((topic) => topic.name).sort()).toEqual([
      'smartylighting.streetlights.1.0.action.1.dim',
      'smartylighting.streetlights.1.0.action.1.turn.off',
      'smartylighting.streetlights.1.0.action.1.turn.on',
      'smartylighting.streetlights.1.0.action.2.dim',
      'smartylighting.streetlights.1.0.action.2.turn.off',
      'smartylighting.streetlights.1.0.action.2.turn.on',
      'smartylighting.streetlights.1.0.event.1.lighting.measured',
      'smartylighting.streetlights.1.0.event.2.lighting.measured',
    ]);
    const measured = declared.topics.find((topic) => topic.name === 'smartylighting.streetlights.1.0.event.1.lighting.measured')!;
    expect(measured).toMatchObject({ partitions: undefined, replicationFactor: undefined, config: {}, source: 'streetlights-kafka-asyncapi-3.1.yml $.channels.lightingMeasured' });
  });

  it('registers each payload as JSON Schema under <topic>-value, with its $refs inlined and no parser marks', { timeout: SLOW }, async () => {
    const declared = await load([streetlights]);
    const subject = declared.subjects.find((item) => item.subject === 'smartylighting.streetlights.1.0.event.2.lighting.measured-value')!;
    expect(subject.type).toBe('JSON');
    expect(subject.source).toBe('streetlights-kafka-asyncapi-3.1.yml $.channels.lightingMeasured.messages.lightMeasured.payload');
    expect(JSON.parse(subject.text)).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        lumens: { type: 'integer', minimum: 0, description: 'Light intensity measured in lumens.' },
        sentAt: { type: 'string', format: 'date-time', description: 'Date and time when the message was sent.' },
      },
    });
    expect(declared.subjects).toHaveLength(8);
  });

  it('turns send into produces and receive into consumes, for the configured principal', { timeout: SLOW }, async () => {
    const declared = await load([streetlights]);
    const receive = declared.applications.find((app) => app.source.endsWith('$.operations.receiveLightMeasurement'))!;
    expect(receive).toEqual({
      principal: 'User:streetlights',
      produces: [],
      consumes: ['smartylighting.streetlights.1.0.event.1.lighting.measured', 'smartylighting.streetlights.1.0.event.2.lighting.measured'],
      groups: [],
      source: 'streetlights-kafka-asyncapi-3.1.yml $.operations.receiveLightMeasurement',
    });
    const dim = declared.applications.find((app) => app.source.endsWith('$.operations.dimLight'))!;
    expect(dim.produces).toEqual(['smartylighting.streetlights.1.0.action.1.dim', 'smartylighting.streetlights.1.0.action.2.dim']);
    expect(dim.consumes).toEqual([]);
  });

  it('refuses a parameterised address without values, naming the file, the JSON path and the config key', { timeout: SLOW }, async () => {
    const message = await refusal([{ file: 'streetlights-kafka-asyncapi-3.1.yml' }]);
    expect(message).toContain('streetlights-kafka-asyncapi-3.1.yml $.channels.lightingMeasured.address');
    expect(message).toContain('{streetlightId}');
    expect(message).toContain('asyncapi.documents[0].parameters.streetlightId');
  });
});

describe('AsyncAPI mapping: a 2.6 document with every Kafka binding field', () => {
  const orders = { file: 'orders-2.6.yaml' };

  it('takes the topic name, partitions, replicas and topicConfiguration from the channel binding', { timeout: SLOW }, async () => {
    const declared = await load([orders]);
    const topic = declared.topics.find((item) => item.name === 'asyncapi.orders.v1')!;
    expect(topic.partitions).toBe(3);
    expect(topic.replicationFactor).toBe(1);
    // The confluent.* keys are Confluent Server settings; Apache Kafka has no such topic configs.
    expect(topic.config).toEqual({
      'cleanup.policy': ['delete', 'compact'],
      'retention.ms': 604800000,
      'retention.bytes': 1073741824,
      'delete.retention.ms': 86400000,
      'max.message.bytes': 1048588,
    });
    expect(topic.fieldSources.partitions).toBe('orders-2.6.yaml $.channels.orders.bindings.kafka.partitions');
    expect(topic.fieldSources.config['retention.ms']).toBe("orders-2.6.yaml $.channels.orders.bindings.kafka.topicConfiguration['retention.ms']");
    expect(declared.topics.find((item) => item.name === 'asyncapi.orders.audit')).toMatchObject({ partitions: 1, replicationFactor: undefined });
  });

  it('registers the Avro payload as written under -value and the binding key under -key', { timeout: SLOW }, async () => {
    const declared = await load([orders]);
    const value = declared.subjects.find((item) => item.subject === 'asyncapi.orders.v1-value')!;
    expect(value.type).toBe('AVRO');
    expect(JSON.parse(value.text)).toEqual(JSON.parse(readFileSync(join(FIXTURES, 'schemas/order-placed.avsc'), 'utf8')));
    const key = declared.subjects.find((item) => item.subject === 'asyncapi.orders.v1-key')!;
    expect(key).toMatchObject({ type: 'AVRO', source: 'orders-2.6.yaml $.channels.orders.subscribe.message.bindings.kafka.key' });
    expect(JSON.parse(key.text)).toEqual({ type: 'string' });
    const audit = declared.subjects.find((item) => item.subject === 'asyncapi.orders.audit-value')!;
    expect(audit.type).toBe('JSON');
    expect(JSON.parse(audit.text).required).toEqual(['orderId']);
  });

  it('reads 2.6 subscribe as send and publish as receive, with the principal from x-synchook-principal and the groupId enum', { timeout: SLOW }, async () => {
    const declared = await load([orders]);
    expect(declared.applications).toEqual([
      { principal: 'User:orders-service', produces: ['asyncapi.orders.v1'], consumes: [], groups: [], source: 'orders-2.6.yaml $.channels.orders.subscribe' },
      { principal: 'User:orders-service', produces: [], consumes: ['asyncapi.orders.audit'], groups: ['orders-audit-reader'], source: "orders-2.6.yaml $.channels['order-audit'].publish" },
    ]);
  });
});

describe('AsyncAPI mapping: a 3.0 document with Protobuf, record name strategies and a parameter enum', () => {
  const payments = { file: 'payments-3.0.yaml', principal: 'User:payments' };

  it('expands the parameter from its enum and names subjects by the record name strategies', { timeout: SLOW }, async () => {
    const declared = await load([payments]);
    expect(declared.topics.map((topic) => topic.name).sort()).toEqual(['asyncapi.payments.eu', 'asyncapi.payments.us', 'asyncapi.refunds']);
    expect(declared.topics.find((topic) => topic.name === 'asyncapi.payments.eu')).toMatchObject({ partitions: 2, config: { 'retention.ms': 86400000 } });
    const proto = declared.subjects.find((item) => item.subject === 'asyncapi.payments.eu-com.example.payments.PaymentMade')!;
    expect(proto.type).toBe('PROTOBUF');
    expect(proto.text).toBe(readFileSync(join(FIXTURES, 'schemas/payment.proto'), 'utf8'));
    const refund = declared.subjects.find((item) => item.subject === 'com.example.payments.RefundIssued')!;
    // AsyncAPI-only keywords and extensions are not JSON Schema; the property named in the discriminator stays.
    expect(JSON.parse(refund.text)).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'com.example.payments.RefundIssued',
      type: 'object',
      properties: { kind: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
    });
    expect(declared.applications.find((app) => app.source.endsWith('settleRefunds'))).toMatchObject({ consumes: ['asyncapi.refunds'], groups: ['refund-settler'] });
  });

  it('lets the config override a parameter enum', { timeout: SLOW }, async () => {
    const declared = await load([{ ...payments, parameters: { region: ['ap'] } }]);
    expect(declared.topics.map((topic) => topic.name).sort()).toEqual(['asyncapi.payments.ap', 'asyncapi.refunds']);
  });
});

describe('AsyncAPI documents that are refused (exit 2), naming the file and the JSON path', () => {
  it('an invalid Kafka binding', { timeout: SLOW }, async () => {
    const message = await refusal([{ file: 'invalid-binding.yaml' }], BAD);
    // AsyncAPI 3.x: the parser checks bindings against the bindings' JSON Schemas.
    expect(message).toContain('invalid-binding.yaml $.channels.orders.bindings.kafka.partitions: "partitions" property type must be integer');
  });

  it('an invalid Kafka binding in 2.6, which the parser does not check', { timeout: SLOW }, async () => {
    const message = await refusal([{ file: 'invalid-binding-2.6.yaml' }], BAD);
    expect(message).toContain("invalid-binding-2.6.yaml $.channels.orders.bindings.kafka.topicConfiguration['cleanup.policy'][0]: expected compact or delete.");
  });

  it('an unknown schemaFormat', { timeout: SLOW }, async () => {
    const message = await refusal([{ file: 'unknown-format.yaml' }], BAD);
    expect(message).toContain("unknown-format.yaml $.channels['asyncapi.bad.unknown'].subscribe.message.schemaFormat: schemaFormat application/vnd.example.thrift;version=1 is not one synchook reads");
  });

  it('a $ref outside the config folder', { timeout: SLOW }, async () => {
    const message = await refusal([{ file: 'ref-outside.yaml' }], BAD);
    expect(message).toContain('ref-outside.yaml $.channels.orders.messages.placed.payload.$ref: $ref ../schemas/order-placed.avsc');
    expect(message).toContain('lies outside the config folder');
  });

  it('a $ref over the network', { timeout: SLOW }, async () => {
    const message = await refusal([{ file: 'ref-http.yaml' }], BAD);
    expect(message).toContain('ref-http.yaml $.channels.orders.messages.placed.payload.$ref: $ref https://example.com/schemas/order.json is a URL');
  });
});

describe('a resource declared both in AsyncAPI and in synchook files', () => {
  function configFolder(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-asyncapi-'));
    cpSync(FIXTURES, dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }
  const config = { asyncapi: { documents: [{ file: 'orders-2.6.yaml', parameters: {} }] } };

  it('is one topic when the settings agree, and a violation naming both places when they differ', { timeout: SLOW }, async () => {
    const dir = configFolder({
      'same.yaml': 'topics:\n  - name: asyncapi.orders.v1\n    partitions: 3\n    config: { segment.ms: 3600000 }\n',
      'differs.yaml': 'topics:\n  - name: asyncapi.orders.audit\n    partitions: 4\n',
    });
    const { desired, violations } = await loadTopicDeclarations({ files: ['same.yaml', 'differs.yaml'] }, config, dir);
    const merged = desired.topics.find((topic) => topic.name === 'asyncapi.orders.v1')!;
    expect(merged.config).toMatchObject({ 'segment.ms': '3600000', 'retention.ms': '604800000', 'cleanup.policy': 'delete,compact' });
    expect(desired.topics.filter((topic) => topic.name === 'asyncapi.orders.v1')).toHaveLength(1);
    expect(violations).toEqual([
      expect.objectContaining({
        resource: 'topic asyncapi.orders.audit',
        rule: 'asyncapi-conflict',
        message: expect.stringMatching(/^partitions is 4 at differs\.yaml:2:5 but 1 at orders-2\.6\.yaml \$\.channels\['order-audit'\]\.bindings\.kafka\.partitions\./),
      }),
    ]);
  });

  it('is a violation for a subject whose schema differs, and none for the same schema', { timeout: SLOW }, async () => {
    const dir = configFolder({
      'subjects.yaml': 'subjects:\n  - subject: asyncapi.orders.v1-value\n    file: schemas/order-placed.avsc\n  - subject: asyncapi.orders.v1-key\n    file: key.avsc\n',
      'key.avsc': '"long"\n',
    });
    const result = await withAsyncApiSubjects(folderSource(dir), { files: ['subjects.yaml'] }, config, dir);
    expect(result.violations.map((violation) => violation.resource)).toEqual(['subject asyncapi.orders.v1-key']);
    expect(result.violations[0]!.message).toContain('key.avsc');
    expect(result.violations[0]!.message).toContain('orders-2.6.yaml $.channels.orders.subscribe.message.bindings.kafka.key');
    expect(result.extra.map((declaration) => declaration.subject)).toEqual(['asyncapi.orders.audit-value']);
  });

  it('expands operations into the application form ACLs, and refuses an ACL denied in a file', { timeout: SLOW }, async () => {
    const dir = configFolder({
      'acls.yaml': 'acls:\n  - { principal: "User:orders-service", resourceType: TOPIC, resourceName: asyncapi.orders.audit, operation: READ, permission: DENY }\n',
    });
    const { desired, violations } = await loadAclDeclarations({ files: ['acls.yaml'] }, config, dir);
    const allowed = desired.acls.filter((acl) => acl.binding.permission === 'ALLOW').map((acl) => `${acl.binding.operation} ${acl.binding.resourceType} ${acl.binding.resourceName}`);
    expect(allowed.sort()).toEqual(['DESCRIBE TOPIC asyncapi.orders.audit', 'DESCRIBE TOPIC asyncapi.orders.v1', 'READ GROUP orders-audit-reader', 'WRITE TOPIC asyncapi.orders.v1']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toBe(
      "orders-2.6.yaml $.channels['order-audit'].publish needs ALLOW User:orders-service READ TOPIC asyncapi.orders.audit, but acls.yaml:2:5 declares DENY User:orders-service READ TOPIC asyncapi.orders.audit. Declare the ACL in one place, or make both say the same.",
    );
    expect(desired.principals).toEqual(['User:orders-service']);
  });
});

describe('a task section without files', () => {
  it('is refused when no AsyncAPI document declares anything either', async () => {
    await expect(loadTopicDeclarations({}, {}, FIXTURES)).rejects.toThrow('topics.files: list the topic files (topics/*.yaml), or declare asyncapi.documents');
    await expect(loadAclDeclarations({}, {}, FIXTURES)).rejects.toThrow('acls.files: list the ACL files');
    await expect(withAsyncApiSubjects(folderSource(FIXTURES), {}, {}, FIXTURES)).rejects.toThrow('schemas.files: list the subjects files');
  });
});
