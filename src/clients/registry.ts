/**
 * The schema registry client: one typed method per Confluent REST endpoint synchook calls (Schema
 * Registry API reference), over the one transport (retries, deadlines, answer checks). Nothing else
 * in synchook sends requests to the registry.
 */
import { createRequire } from 'node:module';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { RegistryConfig } from '../config/common.js';
import type { Logger } from '../log.js';
import {
  CompatibilityAnswer,
  ErrorCodes,
  LevelAnswer,
  ModeAnswer,
  RegisterAnswer,
  SchemaByIdAnswer,
  SubjectVersionAnswer,
  SubjectsAnswer,
  VersionsAnswer,
} from './registry-responses.js';
import { createRegistryTransport, type RegistryCall } from './registry-transport.js';

export { RegistryHttpError } from './registry-transport.js';

export interface RegistryReference {
  name: string;
  subject: string;
  version: number;
}

export interface RegisteredVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
  /** AVRO when the registry leaves it out. */
  schemaType: string;
  references: RegistryReference[];
}

/** The body of lookup, compatibility and register requests. AVRO is the default type and is left out. */
export interface SchemaBody {
  schema: string;
  schemaType?: string;
  references?: RegistryReference[];
}

export type LookupResult = { found: RegisteredVersion } | { missing: 'subject' | 'schema' | 'reference'; message: string };

export interface CompatibilityResult {
  compatible: boolean;
  /** The registry's reasons (Confluent with verbose=true); empty when it gives none. */
  messages: string[];
  /** The registry refused the schema itself as invalid (422). */
  invalid?: boolean;
}

/** The registry refused a new version as incompatible (409). */
export class IncompatibleRegistrationError extends Error {
  constructor(
    readonly subject: string,
    readonly registryMessage: string,
  ) {
    super(registryMessage);
  }
}

interface CallOptions {
  signal?: AbortSignal;
}

interface SchemaCallOptions extends CallOptions {
  /** Pass normalize=true: the registry compares schemas in their normalized form. */
  normalize?: boolean;
}

export interface RegistryClient {
  /** registry.url without a trailing slash. */
  readonly url: string;
  /** GET /subjects; with deleted, soft-deleted subjects too. */
  subjects(options?: CallOptions & { deleted?: boolean }): Promise<string[]>;
  /** GET /subjects/{subject}/versions, ascending; [] when the subject does not exist. */
  versions(subject: string, options?: CallOptions): Promise<number[]>;
  /** GET /subjects/{subject}/versions/{version}; undefined when the subject or version does not exist. */
  version(subject: string, version: number | 'latest', options?: CallOptions): Promise<RegisteredVersion | undefined>;
  /** POST /subjects/{subject}: the registered version equal to the schema, or what is missing. */
  lookup(subject: string, body: SchemaBody, options?: SchemaCallOptions): Promise<LookupResult>;
  /** POST /compatibility/subjects/{subject}/versions[/latest]: against the latest or every version. */
  compatibility(subject: string, against: 'latest' | 'all', body: SchemaBody, options?: SchemaCallOptions): Promise<CompatibilityResult>;
  /** POST /subjects/{subject}/versions: registers (or finds) the schema, returns its id; 409 → IncompatibleRegistrationError. */
  register(subject: string, body: SchemaBody, options?: SchemaCallOptions): Promise<number>;
  /** GET /config[/{subject}]: the compatibility level; undefined when the subject has none of its own. */
  level(subject: string | undefined, options?: CallOptions & { defaultToGlobal?: boolean }): Promise<string | undefined>;
  /** PUT /config/{subject}. */
  setLevel(subject: string, level: string, options?: CallOptions): Promise<void>;
  /** DELETE /config/{subject}; nothing when the subject has no level of its own. */
  deleteLevel(subject: string, options?: CallOptions): Promise<void>;
  /** GET /mode; undefined when the registry does not report one (Apicurio has no /mode). */
  mode(options?: CallOptions): Promise<string | undefined>;
  /** DELETE /subjects/{subject} (soft), or with permanent the hard delete that must follow it; nothing when already gone. */
  deleteSubject(subject: string, options?: CallOptions & { permanent?: boolean }): Promise<void>;
  /** GET /schemas/ids/{id}. */
  schemaById(id: number, options?: CallOptions): Promise<{ schema: string; schemaType: string; references: RegistryReference[] } | undefined>;
  /** The @kafkajs/confluent-schema-registry client (Avro serdes by schema id) with the same auth and TLS. */
  serdes(): SchemaRegistry;
}

export function createRegistryClient(config: RegistryConfig, options: { dir: string; log: Logger; userAgent?: string }): RegistryClient {
  const transport = createRegistryTransport(config, options);
  const subjectPath = (subject: string) => `subjects/${encodeURIComponent(subject)}`;
  const query = (params: Record<string, boolean | undefined>) => {
    const set = Object.entries(params).filter(([, on]) => on).map(([name]) => `${name}=true`);
    return set.length > 0 ? `?${set.join('&')}` : '';
  };
  let serdes: SchemaRegistry | undefined;

  const send = <T>(call: RegistryCall<T>) => transport.send(call);

  const readVersion = (subject: string, body: SubjectVersionAnswer): RegisteredVersion => ({
    subject: body.subject ?? subject,
    version: body.version,
    id: body.id,
    schema: body.schema,
    schemaType: body.schemaType ?? 'AVRO',
    references: (body.references ?? []).map(({ name, subject: target, version }) => ({ name, subject: target, version })),
  });

  return {
    url: transport.url,
    async subjects(callOptions = {}) {
      const outcome = await send({ method: 'GET', path: `subjects${query({ deleted: callOptions.deleted })}`, answer: SubjectsAnswer, signal: callOptions.signal });
      return outcome.ok ? outcome.body : [];
    },
    async versions(subject, callOptions = {}) {
      const outcome = await send({ method: 'GET', path: `${subjectPath(subject)}/versions`, answer: VersionsAnswer, accept: [404], signal: callOptions.signal });
      return outcome.ok ? [...outcome.body].sort((a, b) => a - b) : [];
    },
    async version(subject, version, callOptions = {}) {
      const outcome = await send({ method: 'GET', path: `${subjectPath(subject)}/versions/${version}`, answer: SubjectVersionAnswer, accept: [404], signal: callOptions.signal });
      return outcome.ok ? readVersion(subject, outcome.body) : undefined;
    },
    async lookup(subject, body, callOptions = {}) {
      const outcome = await send({ method: 'POST', path: `${subjectPath(subject)}${query({ normalize: callOptions.normalize })}`, body, answer: SubjectVersionAnswer, accept: [404], signal: callOptions.signal });
      if (outcome.ok) return { found: readVersion(subject, outcome.body) };
      if (outcome.errorCode === ErrorCodes.schemaNotFound) return { missing: 'schema', message: outcome.message };
      if (outcome.errorCode === ErrorCodes.versionNotFound) return { missing: 'reference', message: outcome.message };
      return { missing: outcome.errorCode === ErrorCodes.subjectNotFound ? 'subject' : 'schema', message: outcome.message };
    },
    async compatibility(subject, against, body, callOptions = {}) {
      const path = `compatibility/${subjectPath(subject)}/versions${against === 'latest' ? '/latest' : ''}?verbose=true${callOptions.normalize ? '&normalize=true' : ''}`;
      const outcome = await send({ method: 'POST', path, body, answer: CompatibilityAnswer, accept: [404, 422], signal: callOptions.signal });
      if (outcome.ok) return { compatible: outcome.body.is_compatible, messages: (outcome.body.messages ?? []).map(String) };
      // 404: no version to check against (a new subject), so nothing to be incompatible with.
      if (outcome.status === 404) return { compatible: true, messages: [] };
      return { compatible: false, invalid: true, messages: [outcome.message] };
    },
    async register(subject, body, callOptions = {}) {
      const outcome = await send({ method: 'POST', path: `${subjectPath(subject)}/versions${query({ normalize: callOptions.normalize })}`, body, answer: RegisterAnswer, accept: [409], signal: callOptions.signal });
      // 409 means incompatible, whatever error_code the registry adds (Confluent 409, Apicurio 409).
      if (!outcome.ok) throw new IncompatibleRegistrationError(subject, outcome.message);
      return outcome.body.id;
    },
    async level(subject, callOptions = {}) {
      const path = subject === undefined ? 'config' : `config/${encodeURIComponent(subject)}${query({ defaultToGlobal: callOptions.defaultToGlobal })}`;
      // Confluent answers 404 (40408) for a subject without its own level unless defaultToGlobal is set; Apicurio 404 (40401).
      const outcome = await send({ method: 'GET', path, answer: LevelAnswer, accept: subject === undefined ? [] : [404], signal: callOptions.signal });
      return outcome.ok ? outcome.body : undefined;
    },
    async setLevel(subject, level, callOptions = {}) {
      await send({ method: 'PUT', path: `config/${encodeURIComponent(subject)}`, body: { compatibility: level }, answer: LevelAnswer, signal: callOptions.signal });
    },
    async deleteLevel(subject, callOptions = {}) {
      await send({ method: 'DELETE', path: `config/${encodeURIComponent(subject)}`, answer: LevelAnswer, accept: [404, 405], optional: true, signal: callOptions.signal });
    },
    async mode(callOptions = {}) {
      const outcome = await send({ method: 'GET', path: 'mode', answer: ModeAnswer, accept: [404, 405], optional: true, signal: callOptions.signal });
      return outcome.ok ? outcome.body.mode : undefined;
    },
    async deleteSubject(subject, callOptions = {}) {
      // A subject is soft-deleted before it can be deleted for good (Confluent's API); 404 means it is already gone.
      await send({ method: 'DELETE', path: `${subjectPath(subject)}${query({ permanent: callOptions.permanent })}`, answer: VersionsAnswer, accept: [404], signal: callOptions.signal });
    },
    async schemaById(id, callOptions = {}) {
      const outcome = await send({ method: 'GET', path: `schemas/ids/${id}`, answer: SchemaByIdAnswer, accept: [404], signal: callOptions.signal });
      if (!outcome.ok) return undefined;
      return { schema: outcome.body.schema, schemaType: outcome.body.schemaType ?? 'AVRO', references: outcome.body.references ?? [] };
    },
    serdes() {
      // Loaded on first use (a smoke probe with a serde): with avsc, protobufjs and mappersmith it
      // is a large part of start-up for every run that never decodes a record.
      serdes ??= new (loadSchemaRegistry())({
        host: transport.url,
        auth: config.basicAuth ? { username: config.basicAuth.username, password: config.basicAuth.password! } : undefined,
        clientId: 'synchook',
        agent: transport.agent,
        retry: { retries: config.retries, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 },
      });
      return serdes;
    },
  };
}

function loadSchemaRegistry(): typeof SchemaRegistry {
  return (createRequire(import.meta.url)('@kafkajs/confluent-schema-registry') as typeof import('@kafkajs/confluent-schema-registry')).SchemaRegistry;
}
