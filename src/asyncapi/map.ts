import type { z } from 'zod';
import type { AsyncApiDocumentConfig } from '../config/asyncapi.js';
import { ConfigError } from '../errors.js';
import { KafkaChannelBinding, KafkaMessageBinding, KafkaOperationBinding } from './bindings.js';
import { AVRO_FORMATS, PROTOBUF_FORMATS, type ParsedAsyncApi } from './document.js';
import { jsonPath, pointerPath } from './paths.js';
import { asyncApiSchemaToJsonSchema, RecursiveSchema, withoutParserMarks } from './schema-conversion.js';
import type { AsyncApiApplication, AsyncApiSubject, AsyncApiTopic, SchemaKind } from './model.js';

/** The principal of the document's application, when the config does not give one. */
const PRINCIPAL_EXTENSION = 'x-synchook-principal';

/** Topic configs the Kafka binding names that Apache Kafka does not have (Confluent Server's); read for subject names only. */
const CONFLUENT_KEYS = /^confluent\./;

interface MappedDocument {
  topics: AsyncApiTopic[];
  subjects: AsyncApiSubject[];
  applications: AsyncApiApplication[];
  warnings: string[];
}

/**
 * Turns one parsed document into what it declares: a topic per channel (per parameter value),
 * subjects from the channel's messages, and an application (produces / consumes / groups) per
 * operation. Pure: no file or network access. Errors name the file and JSON path.
 */
export function mapAsyncApiDocument(parsed: ParsedAsyncApi, entry: AsyncApiDocumentConfig, field: string): MappedDocument {
  const { document, shown } = parsed;
  const out: MappedDocument = { topics: [], subjects: [], applications: [], warnings: [] };
  const at = (pointer: string, ...more: Array<string | number>) => `${shown} ${pointerPath(pointer)}${more.length > 0 ? jsonPath(more).slice(1) : ''}`;
  const topicsOfChannel = new Map<string, string[]>();

  for (const channel of document.channels().all()) {
    const pointer = channel.meta().pointer;
    const binding = bindingOf(KafkaChannelBinding, channel.bindings().get('kafka')?.value(), at(pointer, 'bindings', 'kafka'));
    const template = binding?.topic ?? channel.address() ?? undefined;
    if (!template) throw new ConfigError(`${at(pointer, 'address')}: channel ${channel.id()} has no address and no Kafka binding topic; synchook needs the topic name. Set address or bindings.kafka.topic.`);
    const addressField = binding?.topic ? at(pointer, 'bindings', 'kafka', 'topic') : at(pointer, 'address');
    const names = expandParameters(template, (name) => {
      const values = entry.parameters[name];
      if (values) return values;
      const parameter = channel.parameters().all().find((item) => item.id() === name)?.json() as Record<string, unknown> | undefined;
      const enumValues = (parameter?.enum ?? (parameter?.schema as Record<string, unknown> | undefined)?.enum) as unknown[] | undefined;
      if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues.map(String);
      throw new ConfigError(
        `${addressField}: the topic ${template} has the parameter {${name}}, and a topic cannot be created from a template. Give its values in ${field}.parameters.${name} (one topic per value), or an enum in the document's parameter ${name}.`,
      );
    });
    topicsOfChannel.set(channel.id(), names);

    const config: Record<string, unknown> = {};
    const configSources: Record<string, string> = {};
    for (const [key, value] of Object.entries(binding?.topicConfiguration ?? {})) {
      if (CONFLUENT_KEYS.test(key) || value === undefined) continue;
      config[key] = value;
      configSources[key] = at(pointer, 'bindings', 'kafka', 'topicConfiguration', key);
    }
    for (const name of names) {
      out.topics.push({
        name,
        partitions: binding?.partitions,
        replicationFactor: binding?.replicas,
        config,
        source: at(pointer),
        fieldSources: {
          ...(binding?.partitions !== undefined ? { partitions: at(pointer, 'bindings', 'kafka', 'partitions') } : {}),
          ...(binding?.replicas !== undefined ? { replicationFactor: at(pointer, 'bindings', 'kafka', 'replicas') } : {}),
          config: configSources,
        },
      });
    }

    const valueStrategy = binding?.topicConfiguration?.['confluent.value.subject.name.strategy'];
    const keyStrategy = binding?.topicConfiguration?.['confluent.key.subject.name.strategy'];
    for (const message of channel.messages().all()) {
      const messagePointer = message.meta().pointer;
      const messageBinding = bindingOf(KafkaMessageBinding, message.bindings().get('kafka')?.value(), at(messagePointer, 'bindings', 'kafka'));
      const payload = unwrapMultiFormat(message.schemaFormat() ?? '', message.payload()?.json());
      const kind = schemaKind(payload.format);
      if (payload.schema !== undefined) {
        const schema = registrySchema(kind, payload.schema, at(messagePointer, 'payload'));
        const strategy = strategyName(messageBinding?.schemaLookupStrategy ?? valueStrategy, at(pointer, 'bindings', 'kafka', 'topicConfiguration', 'confluent.value.subject.name.strategy'));
        for (const topic of names) {
          out.subjects.push({ subject: subjectName(strategy, topic, 'value', kind, schema.value, at(messagePointer, 'payload')), type: kind, text: schema.text, source: at(messagePointer, 'payload'), topic });
        }
      }
      if (messageBinding?.key !== undefined) {
        const keyKind: SchemaKind = kind === 'AVRO' ? 'AVRO' : 'JSON';
        const schema = registrySchema(keyKind, messageBinding.key, at(messagePointer, 'bindings', 'kafka', 'key'));
        const strategy = strategyName(keyStrategy, at(pointer, 'bindings', 'kafka', 'topicConfiguration', 'confluent.key.subject.name.strategy'));
        for (const topic of names) {
          out.subjects.push({ subject: subjectName(strategy, topic, 'key', keyKind, schema.value, at(messagePointer, 'bindings', 'kafka', 'key')), type: keyKind, text: schema.text, source: at(messagePointer, 'bindings', 'kafka', 'key'), topic });
        }
      }
    }
  }

  const fromConfig = entry.principal;
  const extension = document.extensions().get(PRINCIPAL_EXTENSION)?.value();
  if (extension !== undefined && (typeof extension !== 'string' || !/^[A-Za-z][A-Za-z0-9]*:.+$/.test(extension))) {
    throw new ConfigError(`${shown} ${jsonPath([PRINCIPAL_EXTENSION])}: expected a Kafka principal as Type:name, e.g. User:orders-app.`);
  }
  const principal = fromConfig ?? (extension as string | undefined);
  const operations = document.operations().all();
  if (!principal && operations.length > 0) {
    out.warnings.push(`${shown}: ${operations.length} operation${operations.length === 1 ? '' : 's'} but no principal, so no ACLs come from the document. Set ${field}.principal or ${PRINCIPAL_EXTENSION} in the document.`);
  }
  for (const operation of principal ? operations : []) {
    const pointer = operation.meta().pointer;
    const binding = bindingOf(KafkaOperationBinding, operation.bindings().get('kafka')?.value(), at(pointer, 'bindings', 'kafka'));
    const topics = operation.channels().all().flatMap((channel) => topicsOfChannel.get(channel.id()) ?? []);
    const send = operation.isSend();
    const groups = send || !binding?.groupId ? [] : groupIds(binding.groupId, at(pointer, 'bindings', 'kafka', 'groupId'));
    out.applications.push({ principal: principal!, produces: send ? topics : [], consumes: send ? [] : topics, groups, source: at(pointer) });
  }
  return out;
}

function bindingOf<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(withoutParserMarks(value));
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 8).map((issue) => `${where}${jsonPath(issue.path as Array<string | number>).slice(1)}: ${issue.message}.`);
  throw new ConfigError(`${lines.join('\n')}\nFix the Kafka binding (AsyncAPI Kafka bindings 0.5.0).`);
}

/** "a.{x}.b" with x in [1, 2] → ["a.1.b", "a.2.b"]; every combination of several parameters. */
function expandParameters(template: string, valuesOf: (name: string) => readonly string[]): string[] {
  const match = /\{([^{}]+)\}/.exec(template);
  if (!match) return [template];
  return valuesOf(match[1]!).flatMap((value) => expandParameters(template.slice(0, match.index) + value + template.slice(match.index + match[0].length), valuesOf));
}

/** AsyncAPI 3.x wraps a payload of another format as { schemaFormat, schema } (Multi Format Schema Object). */
function unwrapMultiFormat(format: string, payload: unknown): { format: string; schema: unknown } {
  if (payload !== null && typeof payload === 'object' && 'schemaFormat' in payload && 'schema' in payload) {
    const wrapped = payload as { schemaFormat: unknown; schema: unknown };
    if (typeof wrapped.schemaFormat === 'string') return { format: wrapped.schemaFormat, schema: wrapped.schema };
  }
  return { format, schema: payload };
}

function schemaKind(format: string): SchemaKind {
  if (AVRO_FORMATS.includes(format)) return 'AVRO';
  if (PROTOBUF_FORMATS.includes(format)) return 'PROTOBUF';
  return 'JSON';
}

function registrySchema(kind: SchemaKind, raw: unknown, where: string): { value: unknown; text: string } {
  let value: unknown;
  try {
    value = withoutParserMarks(raw);
  } catch (error) {
    if (error instanceof RecursiveSchema) throw new ConfigError(`${where}: the schema refers to itself; synchook registers finite schemas only. Declare this subject in a subjects file with a schema that uses references.`);
    throw error;
  }
  if (kind === 'PROTOBUF') {
    if (typeof value !== 'string') throw new ConfigError(`${where}: a Protobuf schema is the .proto source: a string, or { $ref: file.proto }.`);
    return { value, text: value };
  }
  if (kind === 'JSON') value = asyncApiSchemaToJsonSchema(value);
  return { value, text: JSON.stringify(value) };
}

const STRATEGIES: Record<string, 'topic' | 'record' | 'topic-record'> = {
  TopicNameStrategy: 'topic',
  RecordNameStrategy: 'record',
  TopicRecordNameStrategy: 'topic-record',
  // Apicurio's names for the same strategies (schemaLookupStrategy in the message binding).
  TopicIdStrategy: 'topic',
  RecordIdStrategy: 'record',
  TopicRecordIdStrategy: 'topic-record',
};

function strategyName(value: string | undefined, where: string): 'topic' | 'record' | 'topic-record' {
  if (value === undefined) return 'topic';
  const short = value.slice(value.lastIndexOf('.') + 1);
  const strategy = STRATEGIES[short];
  if (!strategy) throw new ConfigError(`${where}: subject name strategy ${value} is not one synchook knows; use TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy.`);
  return strategy;
}

function subjectName(strategy: 'topic' | 'record' | 'topic-record', topic: string, side: 'key' | 'value', kind: SchemaKind, schema: unknown, where: string): string {
  if (strategy === 'topic') return `${topic}-${side}`;
  const record = recordName(kind, schema);
  if (!record) throw new ConfigError(`${where}: the record name strategy needs the schema's full name (Avro: name and namespace; JSON Schema: title; Protobuf: a message). Add it, or use TopicNameStrategy.`);
  return strategy === 'record' ? record : `${topic}-${record}`;
}

function recordName(kind: SchemaKind, schema: unknown): string | undefined {
  if (kind === 'PROTOBUF') {
    const text = schema as string;
    const message = /^\s*message\s+(\w+)/m.exec(text)?.[1];
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1];
    return message && (pkg ? `${pkg}.${message}` : message);
  }
  if (schema === null || typeof schema !== 'object') return undefined;
  const record = schema as Record<string, unknown>;
  if (kind === 'JSON') return typeof record.title === 'string' ? record.title : undefined;
  if (typeof record.name !== 'string') return undefined;
  return record.name.includes('.') || typeof record.namespace !== 'string' ? record.name : `${record.namespace}.${record.name}`;
}

/** The group ids a groupId schema allows: its const, or its enum. */
function groupIds(schema: Record<string, unknown>, where: string): string[] {
  if (typeof schema.const === 'string') return [schema.const];
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((value) => typeof value === 'string')) return schema.enum as string[];
  throw new ConfigError(`${where}: the consumer group id is a schema without const or enum, so the group is unknown. Give its value as enum: [my-group] (or const).`);
}
