/**
 * The Confluent Schema Registry REST calls synchook needs, as direct requests (Schema Registry
 * API reference): lookup, versions, compatibility checks, subject config and registration. The
 * serdes client's register() is not used: it may change a subject's compatibility as a side effect.
 */
import { RegistryHttpError, type RegistryClient } from '../../clients/registry.js';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, type SchemaType } from './config.js';

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
  schemaType: SchemaType;
  references: RegistryReference[];
}

/** The body of lookup, compatibility and register requests. AVRO is the default type, so it is left out. */
export interface SchemaBody {
  schema: string;
  schemaType?: Exclude<SchemaType, 'AVRO'>;
  references?: RegistryReference[];
}

export function schemaBody(type: SchemaType, text: string, references: readonly RegistryReference[]): SchemaBody {
  const body: SchemaBody = { schema: text };
  if (type !== 'AVRO') body.schemaType = type;
  if (references.length > 0) body.references = references.map(({ name, subject, version }) => ({ name, subject, version }));
  return body;
}

export type LookupResult = { found: RegisteredVersion } | { missing: 'subject' | 'schema' | 'reference'; message: string };

export interface CompatibilityAnswer {
  compatible: boolean;
  /** The registry's reasons (Confluent with verbose=true); empty when it gives none. */
  messages: string[];
  /** The registry refused the schema itself as invalid (422). */
  invalid?: boolean;
}

/** Confluent error codes (Schema Registry API reference, "Errors"). */
const SUBJECT_NOT_FOUND = 40401;
const VERSION_NOT_FOUND = 40402;
const SCHEMA_NOT_FOUND = 40403;

export class IncompatibleRegistrationError extends Error {
  constructor(
    readonly subject: string,
    readonly registryMessage: string,
  ) {
    super(registryMessage);
  }
}

export interface SchemaRegistryApi {
  latest(subject: string): Promise<RegisteredVersion | undefined>;
  version(subject: string, version: number): Promise<RegisteredVersion | undefined>;
  versions(subject: string): Promise<number[]>;
  lookup(subject: string, body: SchemaBody): Promise<LookupResult>;
  /** The subject's own level (undefined when it has none), or with defaultToGlobal the level that applies. */
  config(subject: string, defaultToGlobal: boolean): Promise<CompatibilityLevel | undefined>;
  globalConfig(): Promise<CompatibilityLevel | undefined>;
  setConfig(subject: string, level: CompatibilityLevel): Promise<void>;
  /** Against the latest version, or against every version (transitive levels). */
  compatibility(subject: string, against: 'latest' | 'all', body: SchemaBody): Promise<CompatibilityAnswer>;
  /** Registers (or finds) the schema; returns its id. Incompatible → IncompatibleRegistrationError. */
  register(subject: string, body: SchemaBody): Promise<number>;
}

export function schemaRegistryApi(client: RegistryClient, options: { signal?: AbortSignal; normalize: boolean; onRequest?: (method: string, path: string) => void }): SchemaRegistryApi {
  const { signal } = options;
  const normalizeQuery = options.normalize ? '?normalize=true' : '';
  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;
  const request = <T>(method: string, path: string, body?: unknown, accept?: number[]) => {
    options.onRequest?.(method, path);
    return client.request<T>(method, path, body, { accept, signal });
  };

  const readVersion = (subject: string, body: Partial<RegisteredVersion> & { schemaType?: string }): RegisteredVersion => ({
    subject: body.subject ?? subject,
    version: Number(body.version),
    id: Number(body.id),
    schema: String(body.schema ?? ''),
    schemaType: (body.schemaType as SchemaType | undefined) ?? 'AVRO',
    references: (body.references ?? []).map((reference) => ({ name: reference.name, subject: reference.subject, version: Number(reference.version) })),
  });

  const readLevel = (body: unknown): CompatibilityLevel | undefined => {
    const record = (body ?? {}) as { compatibilityLevel?: unknown; compatibility?: unknown };
    const level = record.compatibilityLevel ?? record.compatibility;
    return typeof level === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(level) ? (level as CompatibilityLevel) : undefined;
  };

  return {
    async latest(subject) {
      const response = await request<Partial<RegisteredVersion>>('GET', `${subjectPath(subject)}/versions/latest`, undefined, [404]);
      return response.status === 404 ? undefined : readVersion(subject, response.body);
    },
    async version(subject, version) {
      const response = await request<Partial<RegisteredVersion>>('GET', `${subjectPath(subject)}/versions/${version}`, undefined, [404]);
      return response.status === 404 ? undefined : readVersion(subject, response.body);
    },
    async versions(subject) {
      const response = await request<number[]>('GET', `${subjectPath(subject)}/versions`, undefined, [404]);
      return response.status === 404 || !Array.isArray(response.body) ? [] : response.body.map(Number).sort((a, b) => a - b);
    },
    async lookup(subject, body) {
      const response = await request<Partial<RegisteredVersion> & { error_code?: number; message?: string }>('POST', `${subjectPath(subject)}${normalizeQuery}`, body, [404]);
      if (response.status !== 404) return { found: readVersion(subject, response.body) };
      const code = response.body?.error_code;
      const message = response.body?.message ?? 'not found';
      if (code === SCHEMA_NOT_FOUND) return { missing: 'schema', message };
      if (code === VERSION_NOT_FOUND) return { missing: 'reference', message };
      return { missing: code === SUBJECT_NOT_FOUND ? 'subject' : 'schema', message };
    },
    async config(subject, defaultToGlobal) {
      // Confluent answers 404 (40408) for a subject without its own level unless defaultToGlobal is set.
      const response = await request('GET', `/config/${encodeURIComponent(subject)}${defaultToGlobal ? '?defaultToGlobal=true' : ''}`, undefined, [404]);
      return response.status === 404 ? undefined : readLevel(response.body);
    },
    async globalConfig() {
      const response = await request('GET', '/config');
      return readLevel(response.body);
    },
    async setConfig(subject, level) {
      await request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
    },
    async compatibility(subject, against, body) {
      const path = `/compatibility${subjectPath(subject)}/versions${against === 'latest' ? '/latest' : ''}?verbose=true${options.normalize ? '&normalize=true' : ''}`;
      const response = await request<{ is_compatible?: unknown; messages?: unknown; message?: string }>('POST', path, body, [404, 422]);
      if (response.status === 404) return { compatible: true, messages: [] };
      if (response.status === 422) return { compatible: false, invalid: true, messages: [response.body?.message ?? 'the registry refused the schema as invalid'] };
      const messages = Array.isArray(response.body?.messages) ? response.body.messages.map(String) : [];
      return { compatible: response.body?.is_compatible === true, messages };
    },
    async register(subject, body) {
      try {
        const response = await request<{ id?: unknown }>('POST', `${subjectPath(subject)}/versions${normalizeQuery}`, body);
        return Number(response.body?.id);
      } catch (error) {
        // 409 means incompatible, whatever error_code the registry adds (Confluent 409, Apicurio 409).
        if (error instanceof RegistryHttpError && error.status === 409) throw new IncompatibleRegistrationError(subject, error.registryMessage);
        throw error;
      }
    },
  };
}
