import type { Ajv, ErrorObject, Options } from 'ajv';
import type { Ajv2019 } from 'ajv/dist/2019.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';
import { lazyLibrary } from './lazy-library.js';
import { sortKeys } from '../json-text.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ajvDraft07 = lazyLibrary<{ Ajv: typeof Ajv }>('ajv');
const ajvDraft2019 = lazyLibrary<{ Ajv2019: typeof Ajv2019 }>('ajv/dist/2019.js');
const ajvDraft2020 = lazyLibrary<{ Ajv2020: typeof Ajv2020 }>('ajv/dist/2020.js');
// ajv-formats is CommonJS: its plugin is the module object itself (and its `default`).
const ajvFormats = lazyLibrary<FormatsPlugin & { default?: FormatsPlugin }>('ajv-formats');

const FIRST_KEYS = ['$schema', '$id', 'title', 'description', 'type'];

/** Key order fixed ($schema, $id, title, description, type, then sorted): formatting never matters. */
export function canonicalJsonSchema(value: unknown): Json {
  return sortKeys(value, FIRST_KEYS) as Json;
}

export class JsonSchemaProblem extends Error {
  constructor(
    message: string,
    /** JSON pointer of the offending place in the schema document, when known. */
    readonly pointer?: string,
  ) {
    super(message);
  }
}

const DRAFTS: Record<string, 'draft-07' | '2019-09' | '2020-12'> = {
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};

/** The draft a schema declares with $schema; draft-07 when it declares none (as registries assume). */
function draftOf(schema: unknown): 'draft-07' | '2019-09' | '2020-12' {
  const declared = schema !== null && typeof schema === 'object' && !Array.isArray(schema) ? (schema as Record<string, unknown>).$schema : undefined;
  if (declared === undefined) return 'draft-07';
  if (typeof declared !== 'string') throw new JsonSchemaProblem('$schema must be a string such as http://json-schema.org/draft-07/schema#', '/$schema');
  const draft = DRAFTS[declared.replace(/#$/, '')];
  if (!draft) {
    throw new JsonSchemaProblem(`$schema ${declared} is not supported; use http://json-schema.org/draft-07/schema# or https://json-schema.org/draft/2020-12/schema (2019-09 works too)`, '/$schema');
  }
  return draft;
}

/**
 * Validates a JSON Schema against its draft's meta-schema and checks that every $ref resolves,
 * with the referenced schemas known by their reference names.
 */
export function validateJsonSchema(schema: Json, documents: ReadonlyMap<string, Json>): void {
  if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) {
    throw new JsonSchemaProblem('a JSON Schema is an object (or true/false)', '');
  }
  const options: Options = { strict: false, allErrors: true, validateSchema: true, addUsedSchema: false };
  const draft = draftOf(schema);
  const ajv = draft === '2020-12' ? new (ajvDraft2020().Ajv2020)(options) : draft === '2019-09' ? new (ajvDraft2019().Ajv2019)(options) : new (ajvDraft07().Ajv)(options);
  const formats = ajvFormats();
  (formats.default ?? formats)(ajv);
  if (!ajv.validateSchema(schema as object)) {
    const error = firstError(ajv.errors ?? []);
    throw new JsonSchemaProblem(`not a valid ${draft} JSON Schema: ${describe(error)}`, error?.instancePath ?? '');
  }
  for (const [name, document] of documents) {
    try {
      ajv.addSchema(document as object, name);
    } catch (error) {
      throw new JsonSchemaProblem(`the referenced schema ${name} cannot be loaded: ${(error as Error).message}`);
    }
  }
  try {
    ajv.compile(schema as object);
  } catch (error) {
    const message = (error as Error).message;
    const missing = /can't resolve reference (\S+)/.exec(message)?.[1];
    if (missing) throw new JsonSchemaProblem(`$ref ${missing} does not resolve; declare the referenced schema as a reference named ${missing}, or fix the $ref`);
    throw new JsonSchemaProblem(message);
  }
}

function firstError(errors: ErrorObject[]): ErrorObject | undefined {
  // The deepest error is the most specific one (a wrong "type" inside a property, not the object).
  return [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'rejected by the meta-schema';
  const where = error.instancePath || '(the root)';
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  return `${where} ${error.message ?? 'is invalid'}${allowed ? ` (${allowed.map((value) => JSON.stringify(value)).join(', ')})` : ''}`;
}
