import { readInputText, resolveInputPath } from '../../config/input.js';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import protobuf from 'protobufjs';
import type { RegisteredVersion, RegistryClient } from '../../clients/registry.js';
import { formatPath, parseYamlFile } from '../../config/yaml.js';
import { ConfigError, SynchookError, TaskFailedError, messageOf } from '../../errors.js';
import type { SerdeConfig } from './config.js';
import { jsonSchemaSample, protobufSample } from './samples.js';
import { messageIndexes, readWireHeader, wireHeader } from './wire.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Encodes probe records with a registered schema and checks them on the way back. */
export interface ProbeSerde {
  /** "AVRO orders-value v3 (schema id 12)". */
  label: string;
  schemaId: number;
  /** A valid value in the Confluent wire format. */
  encode(seq: number): Promise<Buffer>;
  /** Undefined when the value decodes with the registered schema and re-encodes to the same bytes; the reason otherwise. */
  check(value: Buffer): Promise<string | undefined>;
}

export interface SerdeContext {
  registry: RegistryClient;
  configDir: string;
  signal?: AbortSignal;
}

export async function createProbeSerde(ctx: SerdeContext, config: SerdeConfig): Promise<ProbeSerde> {
  const registered = await fetchSubjectVersion(ctx, config.subject, config.version);
  const registeredType = registered.schemaType;
  if (registeredType !== config.type) {
    throw new ConfigError(`smoke.serde.type is ${config.type}, but subject ${config.subject} version ${registered.version} in the registry is ${registeredType}. Set smoke.serde.type to ${registeredType}.`);
  }
  const label = `${config.type} ${config.subject} v${registered.version} (schema id ${registered.id})`;
  const sample = config.sampleFile ? readSample(ctx.configDir, config.sampleFile) : undefined;
  switch (config.type) {
    case 'AVRO':
      return avroSerde(ctx, registered, label, sample);
    case 'JSON':
      return jsonSerde(ctx, registered, label, sample);
    case 'PROTOBUF':
      return protobufSerde(ctx, registered, label, sample, config.message);
  }
}

async function fetchSubjectVersion(ctx: SerdeContext, subject: string, version: number | 'latest'): Promise<RegisteredVersion> {
  const registered = await ctx.registry.version(subject, version, { signal: ctx.signal });
  if (!registered) {
    throw new TaskFailedError(
      `subject ${subject} has no version ${version} in the registry at ${ctx.registry.url}. Register it first (the schemas section of PreSync) or fix smoke.serde.subject and smoke.serde.version.`,
    );
  }
  return registered;
}

interface LoadedSample {
  file: string;
  value: unknown;
  locate(path: ReadonlyArray<PropertyKey>): string;
}

export function readSample(configDir: string, file: string): LoadedSample {
  const path = resolveInputPath(configDir, file, 'smoke.serde.sampleFile');
  let text: string;
  try {
    text = readInputText(configDir, path, file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`smoke.serde.sampleFile: cannot read ${file} (${messageOf(error)}). Point it at a JSON or YAML file holding one record.`);
  }
  const parsed = parseYamlFile(file, text);
  if (parsed.value === null || parsed.value === undefined) throw new ConfigError(`${file}: the sample file is empty; put one record in it (JSON or YAML).`);
  return { file, value: parsed.value, locate: (at) => parsed.locate(at) };
}

function invalidSample(label: string, sample: LoadedSample | undefined, paths: ReadonlyArray<ReadonlyArray<PropertyKey>>, reason: string): SynchookError {
  const first = paths[0] ?? [];
  if (sample) {
    return new ConfigError(`${sample.locate(first)}: the sample record is not valid for ${label}: ${reason}${first.length ? ` (at ${formatPath(first)})` : ''}. Fix ${sample.file} so it matches the schema.`);
  }
  return new TaskFailedError(`cannot generate a valid probe record for ${label}: ${reason}${first.length ? ` (at ${formatPath(first)})` : ''}. Give smoke.serde.sampleFile with a valid record.`);
}

/** Avro goes through @kafkajs/confluent-schema-registry: the client real Node consumers use. */
async function avroSerde(ctx: SerdeContext, registered: RegisteredVersion, label: string, sample: LoadedSample | undefined): Promise<ProbeSerde> {
  const serdes = ctx.registry.serdes();
  let type: { random(): unknown; isValid(value: unknown, options?: { errorHook(path: string[]): void }): boolean };
  try {
    type = (await serdes.getSchema(registered.id)) as unknown as typeof type;
  } catch (error) {
    throw new TaskFailedError(`the registry client cannot load ${label}: ${messageOf(error)}. Check that the schema and its references are registered.`, { cause: error });
  }
  if (sample) {
    const paths: string[][] = [];
    if (!type.isValid(sample.value, { errorHook: (path) => paths.push(path) })) throw invalidSample(label, sample, paths, 'a field is missing or has the wrong type');
  }
  const encode = async (value: unknown): Promise<Buffer> => {
    try {
      return await serdes.encode(registered.id, value);
    } catch (error) {
      const paths = ((error as { paths?: string[][] }).paths ?? []) as string[][];
      throw invalidSample(label, sample, paths, messageOf(error));
    }
  };
  return {
    label,
    schemaId: registered.id,
    // Without a sample each record is a fresh random value of the schema, so every checksum differs.
    encode: () => encode(sample ? sample.value : type.random()),
    async check(value) {
      try {
        const header = readWireHeader(value, false);
        if (header.schemaId !== registered.id) return `schema id ${header.schemaId} in the value, expected ${registered.id}`;
        const decoded: unknown = await serdes.decode(value);
        const again = await serdes.encode(registered.id, decoded);
        return again.equals(value) ? undefined : 'the decoded record differs from the one sent';
      } catch (error) {
        return messageOf(error);
      }
    },
  };
}

async function fetchReferences(ctx: SerdeContext, registered: RegisteredVersion, seen = new Set<string>()): Promise<Array<{ name: string; schema: string }>> {
  const out: Array<{ name: string; schema: string }> = [];
  for (const reference of registered.references) {
    const key = `${reference.subject}@${reference.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const referenced = await fetchSubjectVersion(ctx, reference.subject, reference.version);
    out.push(...(await fetchReferences(ctx, referenced, seen)), { name: reference.name, schema: referenced.schema });
  }
  return out;
}

/**
 * JSON Schema with Ajv and the formats plugin; the registry client's own JSON support compiles in
 * Ajv's strict mode without formats, which rejects ordinary schemas ("format": "date-time").
 */
async function jsonSerde(ctx: SerdeContext, registered: RegisteredVersion, label: string, sample: LoadedSample | undefined): Promise<ProbeSerde> {
  let validate: ValidateFunction;
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(registered.schema) as Record<string, unknown>;
    const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
    const options = { strict: false, allErrors: true };
    const ajv = dialect.includes('2020-12') ? new Ajv2020(options) : dialect.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
    addFormats(ajv);
    // Drafts before 2019-09 validate like draft-07, the dialect Ajv knows by default.
    if (!/2019-09|2020-12/.test(dialect)) delete schema.$schema;
    for (const reference of await fetchReferences(ctx, registered)) ajv.addSchema(JSON.parse(reference.schema) as object, reference.name);
    validate = ajv.compile(schema);
  } catch (error) {
    if (error instanceof SynchookError) throw error;
    throw new TaskFailedError(`cannot compile ${label}: ${messageOf(error)}.`, { cause: error });
  }
  const record = sample ? sample.value : jsonSchemaSample(schema);
  if (!validate(record)) {
    const first = validate.errors?.[0];
    const path = (first?.instancePath ?? '').split('/').filter(Boolean).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    throw invalidSample(label, sample, [path], first?.message ?? 'invalid');
  }
  const encoded = Buffer.concat([wireHeader(registered.id), Buffer.from(JSON.stringify(record))]);
  return {
    label,
    schemaId: registered.id,
    encode: async () => encoded,
    async check(value) {
      try {
        const header = readWireHeader(value, false);
        if (header.schemaId !== registered.id) return `schema id ${header.schemaId} in the value, expected ${registered.id}`;
        const text = value.subarray(header.payloadOffset).toString('utf8');
        const decoded: unknown = JSON.parse(text);
        if (!validate(decoded)) return `the record does not validate: ${validate.errors?.[0]?.message ?? 'invalid'}`;
        return JSON.stringify(decoded) === text ? undefined : 'the decoded record differs from the one sent';
      } catch (error) {
        return messageOf(error);
      }
    },
  };
}

/**
 * Protobuf with protobufjs, writing the message indexes Confluent's format puts before the
 * record (the registry client leaves them out, so other consumers could not read its records).
 */
async function protobufSerde(ctx: SerdeContext, registered: RegisteredVersion, label: string, sample: LoadedSample | undefined, messageName: string | undefined): Promise<ProbeSerde> {
  let type: protobuf.Type;
  let indexes: number[];
  try {
    const root = new protobuf.Root();
    const main = protobuf.parse(registered.schema, root, { keepCase: true });
    for (const reference of await fetchReferences(ctx, registered)) protobuf.parse(reference.schema, root, { keepCase: true });
    for (const imported of [...(main.imports ?? []), ...(main.weakImports ?? [])]) {
      const common = protobuf.common.get(imported);
      if (common?.nested) root.addJSON(common.nested);
    }
    root.resolveAll();
    type = messageName ? lookupMessage(root, main.package, messageName) : firstMessage(root, main.package, label);
    indexes = messageIndexes(type);
  } catch (error) {
    if (error instanceof SynchookError) throw error;
    throw new TaskFailedError(`cannot load ${label}: ${messageOf(error)}.`, { cause: error });
  }
  let message: protobuf.Message;
  try {
    const plain = (sample ? sample.value : protobufSample(type)) as Record<string, unknown>;
    const unknown = Object.keys(plain).find((key) => !type.fields[key]);
    if (unknown !== undefined) throw invalidSample(label, sample, [[unknown]], `${type.name} has no field ${unknown}`);
    // fromObject accepts what JSON can say (enum names, numbers as strings); verify checks the result.
    message = type.fromObject(plain);
    const problem = type.verify(message);
    if (problem) throw invalidSample(label, sample, [], problem);
  } catch (error) {
    if (error instanceof SynchookError) throw error;
    throw invalidSample(label, sample, [], messageOf(error));
  }
  const encoded = Buffer.concat([wireHeader(registered.id, indexes), Buffer.from(type.encode(message).finish())]);
  const fullLabel = `${label} message ${type.fullName.replace(/^\./, '')}`;
  return {
    label: fullLabel,
    schemaId: registered.id,
    encode: async () => encoded,
    async check(value) {
      try {
        const header = readWireHeader(value, true);
        if (header.schemaId !== registered.id) return `schema id ${header.schemaId} in the value, expected ${registered.id}`;
        if (header.messageIndexes?.join(',') !== indexes.join(',')) return `message indexes [${header.messageIndexes?.join(', ')}], expected [${indexes.join(', ')}]`;
        const payload = value.subarray(header.payloadOffset);
        const decoded = type.decode(payload);
        return Buffer.from(type.encode(decoded).finish()).equals(payload) ? undefined : 'the decoded record differs from the one sent';
      } catch (error) {
        return messageOf(error);
      }
    },
  };
}

function scopeOf(root: protobuf.Root, pkg: string | undefined): protobuf.Namespace {
  if (!pkg) return root;
  const scope = root.lookup(pkg);
  return scope instanceof protobuf.Namespace ? scope : root;
}

function firstMessage(root: protobuf.Root, pkg: string | undefined, label: string): protobuf.Type {
  const first = scopeOf(root, pkg).nestedArray.find((item): item is protobuf.Type => item instanceof protobuf.Type);
  if (!first) throw new TaskFailedError(`${label} declares no message type to encode.`);
  return first;
}

function lookupMessage(root: protobuf.Root, pkg: string | undefined, name: string): protobuf.Type {
  const candidates = pkg && !name.startsWith(`${pkg}.`) ? [`${pkg}.${name}`, name] : [name];
  for (const candidate of candidates) {
    const found = root.lookup(candidate.replace(/^\./, ''));
    if (found instanceof protobuf.Type) return found;
  }
  const known = scopeOf(root, pkg).nestedArray.filter((item) => item instanceof protobuf.Type).map((item) => item.name);
  throw new ConfigError(`smoke.serde.message: no message type ${name} in the schema (it declares ${known.join(', ') || 'none'}). Set it to one of those.`);
}
