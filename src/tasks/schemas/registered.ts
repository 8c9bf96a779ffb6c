import { TaskFailedError } from '../../errors.js';
import { resolveSchema, SchemaProblem, type ResolvedSchema } from './formats/index.js';
import type { RegisteredVersion, SchemaRegistryApi } from './registry-api.js';

/**
 * Schemas already in the registry, parsed the same way as the declared ones (with their
 * references fetched), so that they can be compared and checked offline. Cached per run.
 */
export interface RegisteredSchemas {
  /** A registered version parsed with its references; undefined when this checker cannot parse it. */
  resolve(version: RegisteredVersion): Promise<ResolvedSchema | undefined>;
  /** A subject's version by number, parsed; undefined when the registry does not have it. */
  get(subject: string, version: number): Promise<ResolvedSchema | undefined>;
  /** Every version of a subject, oldest first, parsed. */
  all(subject: string): Promise<Array<{ version: number; schema: ResolvedSchema }>>;
  /** Versions this checker could not parse, with the reason (reported as warnings). */
  readonly unparsable: Map<string, string>;
}

export function registeredSchemas(api: SchemaRegistryApi, normalize: boolean): RegisteredSchemas {
  const cache = new Map<string, Promise<ResolvedSchema | undefined>>();
  const unparsable = new Map<string, string>();

  const parse = async (version: RegisteredVersion, depth: number): Promise<ResolvedSchema | undefined> => {
    const key = `${version.subject}@${version.version}`;
    if (depth > 32) throw new TaskFailedError(`the references of subject ${version.subject} in the registry nest deeper than 32 levels; synchook stops there.`);
    const references: Array<{ name: string; subject: string; target: ResolvedSchema }> = [];
    for (const reference of version.references) {
      const target = await get(reference.subject, reference.version, depth + 1);
      if (!target) {
        unparsable.set(key, `its reference ${reference.name} (${reference.subject} version ${reference.version}) cannot be read`);
        return undefined;
      }
      references.push({ name: reference.name, subject: reference.subject, target });
    }
    try {
      return resolveSchema({ type: version.schemaType, text: version.schema, references, normalize });
    } catch (error) {
      if (!(error instanceof SchemaProblem)) throw error;
      unparsable.set(key, error.message);
      return undefined;
    }
  };

  const cached = (key: string, make: () => Promise<ResolvedSchema | undefined>): Promise<ResolvedSchema | undefined> => {
    let pending = cache.get(key);
    if (!pending) {
      pending = make();
      cache.set(key, pending);
    }
    return pending;
  };

  const resolve = (version: RegisteredVersion, depth = 0) => cached(`${version.subject}@${version.version}`, () => parse(version, depth));

  const get = (subject: string, version: number, depth = 0) =>
    cached(`${subject}@${version}`, async () => {
      const registered = await api.version(subject, version);
      return registered ? parse(registered, depth) : undefined;
    });

  return {
    resolve: (version) => resolve(version),
    get: (subject, version) => get(subject, version),
    async all(subject) {
      const out: Array<{ version: number; schema: ResolvedSchema }> = [];
      for (const version of await api.versions(subject)) {
        const schema = await get(subject, version);
        if (schema) out.push({ version, schema });
      }
      return out;
    },
    unparsable,
  };
}
