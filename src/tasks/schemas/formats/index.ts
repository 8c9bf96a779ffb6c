import type { SchemaType } from '../config.js';
import { JsonSyntaxError, parseJsonWithPositions, locateOffset, locateToken, type PositionedJson } from '../json-text.js';
import { deeperThan, isStackOverflow, MAX_JSON_NESTING } from '../nesting.js';
import { canonicalAvro, namedDefinitions, recordsWithoutFiniteValue, validateAvro, withoutDocs, type AvroTypeRegistry, type Json } from './avro.js';
import { canonicalJsonSchema, JsonSchemaProblem, validateJsonSchema } from './json-schema.js';
import { isWellKnownImport, parseProto, ProtoSyntaxError, validateProto } from './protobuf.js';

export interface SchemaInput {
  type: SchemaType;
  text: string;
  /** The schemas this one references, by reference name, already resolved. */
  references: ReadonlyArray<{ name: string; subject: string; target: ResolvedSchema }>;
  /** Register and compare the normalized form (true) or the text as it is (false). */
  normalize: boolean;
  /** Check that every reference is used the way its type requires (declared schemas; not registry copies). */
  strictReferences?: boolean;
}

/** A parsed and validated schema, with what its dependents and the compatibility checks need. */
export interface ResolvedSchema {
  type: SchemaType;
  /** The text sent to the registry. */
  text: string;
  /** Two schemas with the same key are the same schema; formatting never changes it (with normalize). */
  key: string;
  avro?: {
    canonical: Json;
    /** Full names of the named types this schema defines. */
    names: string[];
    /** Named-type definitions of this schema and of everything it references. */
    definitions: Map<string, Json>;
    registry: AvroTypeRegistry;
  };
  json?: {
    value: Json;
    /** Referenced schemas (transitively) by reference name. */
    documents: Map<string, Json>;
  };
  proto?: {
    imports: string[];
    /** Referenced files (transitively) by import name. */
    files: Map<string, string>;
  };
}

/** Something wrong in a schema; `location` is "line:col" in its file when known. */
export class SchemaProblem extends Error {
  constructor(
    message: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

export function resolveSchema(input: SchemaInput): ResolvedSchema {
  try {
    return resolveChecked(input);
  } catch (error) {
    // The nesting limits keep one file within the stack; references can still chain files deeper.
    if (isStackOverflow(error)) throw new SchemaProblem(`the schema with its references nests too deeply to be read (over ${MAX_JSON_NESTING} levels); flatten it`);
    throw error;
  }
}

function resolveChecked(input: SchemaInput): ResolvedSchema {
  for (const reference of input.references) {
    if (reference.target.type !== input.type) {
      throw new SchemaProblem(`reference ${reference.name} points at subject ${reference.subject}, which holds a ${reference.target.type} schema; a ${input.type} schema can only reference ${input.type} schemas`);
    }
  }
  switch (input.type) {
    case 'AVRO':
      return resolveAvro(input);
    case 'JSON':
      return resolveJson(input);
    case 'PROTOBUF':
      return resolveProto(input);
  }
}

function parseJson(text: string): PositionedJson {
  const tooDeep = deeperThan(text, MAX_JSON_NESTING);
  if (tooDeep !== undefined) {
    throw new SchemaProblem(`the schema nests deeper than ${MAX_JSON_NESTING} levels of JSON objects and arrays, the most synchook reads; flatten it (named types or references)`, locateOffset(text, tooDeep));
  }
  try {
    return parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new SchemaProblem(`invalid JSON: ${error.reason}`, `${error.line}:${error.col}`);
    throw error;
  }
}

function resolveAvro(input: SchemaInput): ResolvedSchema {
  const parsed = parseJson(input.text);
  const definitions = new Map<string, Json>();
  let registry: AvroTypeRegistry = {};
  for (const { name, subject, target } of input.references) {
    if (input.strictReferences && !target.avro!.names.includes(name)) {
      const defined = target.avro!.names;
      throw new SchemaProblem(`reference ${name} names no type of subject ${subject}${defined.length > 0 ? ` (it defines ${defined.join(', ')})` : ''}; an Avro reference is named after the full name of the type it brings`);
    }
    for (const [full, definition] of target.avro!.definitions) definitions.set(full, definition);
    registry = { ...registry, ...target.avro!.registry };
  }
  const canonical = canonicalAvro(parsed.value, new Set(definitions.keys()));
  let own: AvroTypeRegistry;
  try {
    own = validateAvro(canonical, registry);
  } catch (error) {
    const message = (error as Error).message;
    throw new SchemaProblem(`invalid Avro schema: ${message}`, locateAvroError(input.text, message, parsed));
  }
  const ownDefinitions = namedDefinitions(canonical);
  for (const [full, definition] of ownDefinitions) definitions.set(full, definition);
  const endless = recordsWithoutFiniteValue(definitions, [...ownDefinitions.keys()]);
  if (endless.length > 0) {
    const { record, field } = endless[0]!;
    const short = record.slice(record.lastIndexOf('.') + 1);
    throw new SchemaProblem(
      `record ${record} has no finite value: its field ${field} always leads back into ${endless.length === 1 ? 'the record' : `records ${endless.map((item) => item.record).join(', ')}`}, so no ${short} can ever be written; make the field optional (a union with "null" and "default": null) or an array or a map`,
      locateToken(input.text, `"${short}"`),
    );
  }
  const text = JSON.stringify(canonical);
  return {
    type: 'AVRO',
    text: input.normalize ? text : input.text,
    // Normalized, docs are not part of a schema's identity (see withoutDocs); the text keeps them.
    key: input.normalize ? JSON.stringify(withoutDocs(canonical)) : input.text,
    avro: { canonical, names: [...ownDefinitions.keys()], definitions, registry: own },
  };
}

/** avsc's messages name the offending token ("undefined type name: nope"): find it in the file. */
function locateAvroError(text: string, message: string, parsed: PositionedJson): string | undefined {
  const named = /(?:undefined type name|duplicate type name|invalid name|unknown type):?\s*"?([^"\s,)]+)"?/i.exec(message)?.[1];
  const quoted = [...message.matchAll(/"([^"]{1,200})"/g)].map((match) => match[1]!);
  for (const token of [named, ...quoted].filter((item): item is string => Boolean(item))) {
    const found = locateToken(text, `"${token}"`) ?? locateToken(text, token);
    if (found) return found;
  }
  return parsed.locate('');
}

function resolveJson(input: SchemaInput): ResolvedSchema {
  const parsed = parseJson(input.text);
  const documents = new Map<string, Json>();
  for (const { name, target } of input.references) {
    for (const [documentName, document] of target.json!.documents) documents.set(documentName, document);
    documents.set(name, target.json!.value);
  }
  try {
    validateJsonSchema(parsed.value as Json, documents);
  } catch (error) {
    if (error instanceof JsonSchemaProblem) throw new SchemaProblem(error.message, error.pointer !== undefined ? parsed.locate(error.pointer) : undefined);
    throw error;
  }
  const canonical = canonicalJsonSchema(parsed.value);
  const text = JSON.stringify(canonical);
  return {
    type: 'JSON',
    text: input.normalize ? text : input.text,
    key: input.normalize ? text : input.text,
    json: { value: canonical, documents },
  };
}

function resolveProto(input: SchemaInput): ResolvedSchema {
  let parsed;
  try {
    parsed = parseProto(input.text);
  } catch (error) {
    if (error instanceof ProtoSyntaxError) throw new SchemaProblem(`invalid Protobuf schema: ${error.reason}`, error.line !== undefined ? `${error.line}:1` : undefined);
    throw error;
  }
  const names = new Set(input.references.map((reference) => reference.name));
  for (const name of parsed.imports) {
    if (!isWellKnownImport(name) && !names.has(name)) {
      throw new SchemaProblem(`import "${name}" has no reference; add a reference named ${name} to the subject that holds it`, locateToken(input.text, `"${name}"`));
    }
  }
  if (input.strictReferences) {
    for (const name of names) {
      if (!parsed.imports.includes(name)) throw new SchemaProblem(`reference ${name} is not imported by the schema; a Protobuf reference is named after the import path (import "${name}";)`);
    }
  }
  const files = new Map<string, string>();
  for (const { name, target } of input.references) {
    for (const [fileName, fileText] of target.proto!.files) files.set(fileName, fileText);
    files.set(name, target.text);
  }
  try {
    validateProto(input.text, files);
  } catch (error) {
    if (error instanceof ProtoSyntaxError) throw new SchemaProblem(`invalid Protobuf schema: ${error.reason}`, error.line !== undefined ? `${error.line}:1` : undefined);
    throw error;
  }
  return {
    type: 'PROTOBUF',
    text: input.text,
    key: input.normalize ? parsed.normalized : input.text,
    proto: { imports: parsed.imports, files },
  };
}
