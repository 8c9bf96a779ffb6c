/**
 * The inputs every approach works from: topic declarations, Avro schemas and synchook configs,
 * written into the run's work folder. Every approach gets its own names so that no run finds
 * another's topics or subjects already there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Scenario 1: 3 partitions and 2 config overrides per topic (replication factor 1: one broker). */
export const TOPIC_SHAPE = {
  partitions: 3,
  replicationFactor: 1,
  config: { 'retention.ms': '86400000', 'max.message.bytes': '2097152' },
} as const;

export function topicNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}t${String(index).padStart(4, '0')}`);
}

/**
 * synchook's topic file format (the README section "Topics and ACLs"); `overrides` changes the
 * config of chosen topics (scenario 8).
 */
export function writeTopicsFile(file: string, names: string[], overrides?: (name: string, index: number) => Record<string, string>): void {
  const topics = names.map((name, index) => ({ name, partitions: TOPIC_SHAPE.partitions, replicationFactor: TOPIC_SHAPE.replicationFactor, config: { ...TOPIC_SHAPE.config, ...overrides?.(name, index) } }));
  writeFileSync(file, stringify({ topics }));
}

/** One name a line, for the shell loops. */
export function writeNameList(file: string, names: string[]): void {
  writeFileSync(file, `${names.join('\n')}\n`);
}

export interface SubjectFixture {
  subject: string;
  /** The .avsc file. */
  schemaFile: string;
  /** The request body of POST /subjects/{subject}/versions, as a curl loop would send it. */
  payloadFile: string;
}

/** A small Avro record per subject, each with its own full name, like a real event schema. */
function avroSchema(index: number): object {
  return {
    type: 'record',
    name: `Event${index}`,
    namespace: 'bench.events',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'occurredAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'amount', type: ['null', 'double'], default: null },
      { name: 'status', type: { type: 'enum', name: `Status${index}`, symbols: ['NEW', 'DONE', 'FAILED'] } },
      { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    ],
  };
}

/**
 * Writes `count` Avro schemas under dir/schemas, a payload per subject for the curl loop, and
 * synchook's subjects file (dir/subjects.yaml). Subjects are `<prefix>e<n>-value`.
 */
export function writeSubjects(dir: string, prefix: string, count: number): { subjectsFile: string; subjects: SubjectFixture[] } {
  const schemasDir = join(dir, 'schemas');
  const payloadsDir = join(dir, 'payloads');
  mkdirSync(schemasDir, { recursive: true });
  mkdirSync(payloadsDir, { recursive: true });
  const subjects: SubjectFixture[] = [];
  for (let index = 0; index < count; index++) {
    const subject = `${prefix}e${String(index).padStart(4, '0')}-value`;
    const schema = avroSchema(index);
    const schemaFile = join(schemasDir, `event-${index}.avsc`);
    const payloadFile = join(payloadsDir, `event-${index}.json`);
    writeFileSync(schemaFile, `${JSON.stringify(schema, null, 2)}\n`);
    writeFileSync(payloadFile, JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(schema) }));
    subjects.push({ subject, schemaFile, payloadFile });
  }
  const subjectsFile = join(dir, 'subjects.yaml');
  writeFileSync(subjectsFile, stringify({ subjects: subjects.map((fixture, index) => ({ subject: fixture.subject, file: `schemas/event-${index}.avsc` })) }));
  return { subjectsFile, subjects };
}

/** "subject<TAB>payload file" a line, for the curl loop. */
export function writeSubjectList(file: string, subjects: SubjectFixture[]): void {
  writeFileSync(file, `${subjects.map((fixture) => `${fixture.subject}\t${fixture.payloadFile}`).join('\n')}\n`);
}

export interface Endpoints {
  bootstrap: string;
  registryUrl: string;
}

/** A synchook.yaml with the given task sections; file paths inside are relative to `dir`. */
export function writeConfig(dir: string, name: string, endpoints: Endpoints, sections: Record<string, unknown>): string {
  const file = join(dir, name);
  const config = {
    environment: 'bench',
    cluster: { brokers: [endpoints.bootstrap] },
    registry: { url: endpoints.registryUrl },
    ...sections,
  };
  writeFileSync(file, stringify(config));
  return file;
}
