/**
 * The registry calls of the schemas task, bound to the run's signal and the section's normalize
 * setting, with the registry's levels and types read as the task's own. The requests themselves
 * are the registry client's (src/clients/registry.ts).
 */
import type { CompatibilityResult, LookupResult, RegisteredVersion as ClientRegisteredVersion, RegistryClient, RegistryReference, SchemaBody as ClientSchemaBody } from '../../clients/registry.js';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, type SchemaType } from './config.js';

export { IncompatibleRegistrationError } from '../../clients/registry.js';

export interface RegisteredVersion extends ClientRegisteredVersion {
  schemaType: SchemaType;
}

/** The body of lookup, compatibility and register requests. AVRO is the default type, so it is left out. */
export interface SchemaBody extends ClientSchemaBody {
  schemaType?: Exclude<SchemaType, 'AVRO'>;
}

export function schemaBody(type: SchemaType, text: string, references: readonly RegistryReference[]): SchemaBody {
  const body: SchemaBody = { schema: text };
  if (type !== 'AVRO') body.schemaType = type;
  if (references.length > 0) body.references = references.map(({ name, subject, version }) => ({ name, subject, version }));
  return body;
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
  compatibility(subject: string, against: 'latest' | 'all', body: SchemaBody): Promise<CompatibilityResult>;
  /** Registers (or finds) the schema; returns its id. Incompatible → IncompatibleRegistrationError. */
  register(subject: string, body: SchemaBody): Promise<number>;
}

export function schemaRegistryApi(client: RegistryClient, options: { signal?: AbortSignal; normalize: boolean }): SchemaRegistryApi {
  const { signal, normalize } = options;
  const typed = (version: ClientRegisteredVersion | undefined): RegisteredVersion | undefined => version && { ...version, schemaType: version.schemaType as SchemaType };
  const level = (value: string | undefined): CompatibilityLevel | undefined =>
    value !== undefined && (COMPATIBILITY_LEVELS as readonly string[]).includes(value) ? (value as CompatibilityLevel) : undefined;

  return {
    latest: async (subject) => typed(await client.version(subject, 'latest', { signal })),
    version: async (subject, version) => typed(await client.version(subject, version, { signal })),
    versions: (subject) => client.versions(subject, { signal }),
    async lookup(subject, body) {
      const result = await client.lookup(subject, body, { signal, normalize });
      return 'found' in result ? { found: typed(result.found)! } : result;
    },
    config: async (subject, defaultToGlobal) => level(await client.level(subject, { signal, defaultToGlobal })),
    globalConfig: async () => level(await client.level(undefined, { signal })),
    setConfig: (subject, value) => client.setLevel(subject, value, { signal }),
    compatibility: (subject, against, body) => client.compatibility(subject, against, body, { signal, normalize }),
    register: (subject, body) => client.register(subject, body, { signal, normalize }),
  };
}
