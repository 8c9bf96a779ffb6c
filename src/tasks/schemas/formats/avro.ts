import type avro from 'avsc';
import { lazyLibrary } from './lazy-library.js';

/**
 * Avro schemas: a canonical form for comparison and registration, and validation with avsc.
 *
 * The canonical form keeps everything that matters to readers and writers (docs, defaults,
 * aliases, custom properties, logical types) and drops what does not (whitespace, key order,
 * the spelling of names): every named type carries its full name, references to named types are
 * full names, a primitive written as { "type": "int" } becomes "int". Unlike Avro's Parsing
 * Canonical Form it keeps defaults, which compatibility depends on.
 */

const avsc = lazyLibrary<typeof avro>('avsc');

export const AVRO_PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED_TYPES = new Set(['record', 'error', 'enum', 'fixed']);
const TYPE_KEYS = ['type', 'name', 'namespace', 'doc', 'aliases', 'fields', 'symbols', 'default', 'items', 'values', 'size', 'logicalType', 'precision', 'scale'];
const FIELD_KEYS = ['name', 'type', 'doc', 'default', 'order', 'aliases'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Avro's full name of a named type: a dotted name is already full; otherwise its namespace applies. */
function fullName(name: string, namespace: unknown, enclosing: string): string {
  if (name.includes('.')) return name;
  const space = typeof namespace === 'string' ? namespace : enclosing;
  return space ? `${space}.${name}` : name;
}

function namespaceOf(full: string): string {
  const index = full.lastIndexOf('.');
  return index < 0 ? '' : full.slice(0, index);
}

/**
 * The canonical form of an Avro schema (a parsed JSON value). `external` holds the full names the
 * schema may use from its references, so that a short name resolves the way Avro resolves it.
 */
export function canonicalAvro(schema: unknown, external: ReadonlySet<string> = new Set()): Json {
  const defined = new Set<string>();
  collectNames(schema, '', defined);
  const known = new Set([...defined, ...external]);
  return transform(schema, '', known);
}

function collectNames(node: unknown, namespace: string, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectNames(item, namespace, out);
    return;
  }
  if (!isObject(node)) return;
  const type = node.type;
  if (typeof type === 'string' && NAMED_TYPES.has(type) && typeof node.name === 'string') {
    const full = fullName(node.name, node.namespace, namespace);
    out.add(full);
    if (Array.isArray(node.fields)) for (const field of node.fields) if (isObject(field)) collectNames(field.type, namespaceOf(full), out);
    return;
  }
  if (type === 'array') collectNames(node.items, namespace, out);
  else if (type === 'map') collectNames(node.values, namespace, out);
  else if (type !== null && typeof type === 'object') collectNames(type, namespace, out);
}

/** How Java's Avro parser resolves a short name: the enclosing namespace first, then the null namespace. */
function resolveName(name: string, namespace: string, known: ReadonlySet<string>): string {
  if (AVRO_PRIMITIVES.has(name) || name.includes('.')) return name;
  if (namespace && known.has(`${namespace}.${name}`)) return `${namespace}.${name}`;
  if (known.has(name)) return name;
  return namespace ? `${namespace}.${name}` : name;
}

function transform(node: unknown, namespace: string, known: ReadonlySet<string>): Json {
  if (typeof node === 'string') return resolveName(node, namespace, known);
  if (Array.isArray(node)) return node.map((item) => transform(item, namespace, known));
  if (!isObject(node)) return node as Json;
  const type = node.type;
  if (typeof type === 'string' && AVRO_PRIMITIVES.has(type)) {
    if (Object.keys(node).length === 1) return type;
    return ordered({ ...node }, TYPE_KEYS);
  }
  if (typeof type === 'string' && NAMED_TYPES.has(type) && typeof node.name === 'string') {
    const full = fullName(node.name, node.namespace, namespace);
    const inner = namespaceOf(full);
    const out: Record<string, unknown> = { ...node, name: full };
    delete out.namespace;
    // A type in the null namespace nested in a namespaced one must say so, or it would inherit.
    if (!full.includes('.') && namespace) out.namespace = '';
    if (Array.isArray(node.aliases)) out.aliases = node.aliases.map((alias) => (typeof alias === 'string' ? fullName(alias, undefined, inner) : alias));
    if (Array.isArray(node.fields)) {
      out.fields = node.fields.map((field) => {
        if (!isObject(field)) return field;
        return ordered({ ...field, type: transform(field.type, inner, known) }, FIELD_KEYS);
      });
    }
    return ordered(out, TYPE_KEYS);
  }
  if (type === 'array') return ordered({ ...node, items: transform(node.items, namespace, known) }, TYPE_KEYS);
  if (type === 'map') return ordered({ ...node, values: transform(node.values, namespace, known) }, TYPE_KEYS);
  if (typeof type === 'string' || (type !== null && typeof type === 'object')) {
    // { "type": "com.acme.Customer" } or { "type": { ... } }: the same schema as its type alone.
    const inner = transform(type, namespace, known);
    if (Object.keys(node).length === 1) return inner;
    return ordered({ ...node, type: inner }, TYPE_KEYS);
  }
  return ordered({ ...node }, TYPE_KEYS);
}

/** The object with `first` keys in that order, then the rest sorted; plain values get sorted keys too. */
function ordered(node: Record<string, unknown>, first: readonly string[]): Json {
  const out: Record<string, Json> = {};
  const keys = [...first.filter((key) => key in node), ...Object.keys(node).filter((key) => !first.includes(key)).sort()];
  for (const key of keys) {
    const value = node[key];
    if (value === undefined) continue;
    // Schema positions were transformed already; defaults and custom properties are plain JSON.
    out[key] = key === 'type' || key === 'fields' || key === 'items' || key === 'values' ? (value as Json) : sortPlain(value);
  }
  return out;
}

function sortPlain(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortPlain);
  if (!isObject(value)) return value as Json;
  const out: Record<string, Json> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortPlain(value[key]);
  return out;
}

/** Named types by full name, for validating the schemas that reference them. */
export type AvroTypeRegistry = Record<string, avro.Type>;

/**
 * Validates a canonical schema with avsc (names, defaults matching their types, unions, ...) in a
 * registry that already holds the referenced types; returns the registry with this schema's
 * types added. Throws avsc's error message.
 */
export function validateAvro(canonical: Json, referenced: AvroTypeRegistry): AvroTypeRegistry {
  const registry: AvroTypeRegistry = { ...referenced };
  // The Avro specification requires a name on records, enums and fixed types; avsc would accept none.
  avsc().Type.forSchema(canonical as avro.Schema, { registry, noAnonymousTypes: true });
  return registry;
}

/** The named-type definitions of a canonical schema, by full name (for the compatibility model). */
export function namedDefinitions(canonical: Json, out = new Map<string, Json>()): Map<string, Json> {
  const visit = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isObject(node)) return;
    const type = node.type;
    if (typeof type === 'string' && NAMED_TYPES.has(type) && typeof node.name === 'string') {
      out.set(node.name, node);
      if (Array.isArray(node.fields)) for (const field of node.fields) if (isObject(field)) visit(field.type as Json);
      return;
    }
    if (type === 'array') visit(node.items as Json);
    else if (type === 'map') visit(node.values as Json);
    else if (type !== null && typeof type === 'object') visit(type as Json);
  };
  visit(canonical);
  return out;
}

export type { Json };

/**
 * A canonical schema without its docs (on named types and fields): what identifies the schema when
 * normalizing. Apicurio Registry's normalized lookup matches a schema that differs only in docs to
 * the version already registered (checked against Apicurio Registry 3.0.9), so a doc-only change
 * is no change for synchook either. Docs inside defaults and custom properties are data and stay.
 */
export function withoutDocs(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutDocs);
  if (!isObject(node)) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'doc') continue;
    if (key === 'fields' && Array.isArray(value)) {
      out.fields = value.map((field) => {
        if (!isObject(field)) return field;
        const copy: Record<string, Json> = {};
        for (const [fieldKey, fieldValue] of Object.entries(field)) if (fieldKey !== 'doc') copy[fieldKey] = fieldKey === 'type' ? withoutDocs(fieldValue as Json) : (fieldValue as Json);
        return copy;
      });
    } else out[key] = key === 'type' || key === 'items' || key === 'values' ? withoutDocs(value as Json) : (value as Json);
  }
  return out;
}

/**
 * Records that have no finite value: every field path leads back into a record without an escape
 * (a union branch, an array or a map that can end). Avro parsers accept them, but no record can
 * ever be written, so a producer fails at run time. Returns each such record of `own` (full names)
 * with the first field that cannot end.
 */
export function recordsWithoutFiniteValue(definitions: ReadonlyMap<string, Json>, own: readonly string[]): Array<{ record: string; field: string }> {
  const finite = new Set<string>();
  const isFinite = (node: Json): boolean => {
    if (typeof node === 'string') return AVRO_PRIMITIVES.has(node) || finite.has(node) || !definitions.has(node);
    if (Array.isArray(node)) return node.some(isFinite);
    if (!isObject(node)) return true;
    const type = node.type as Json;
    if (type === 'record' || type === 'error') return finite.has(String(node.name));
    if (typeof type === 'string' && (NAMED_TYPES.has(type) || type === 'array' || type === 'map' || AVRO_PRIMITIVES.has(type))) return true;
    return isFinite(type);
  };
  const records = [...definitions].filter(([, definition]) => isObject(definition) && (definition.type === 'record' || definition.type === 'error'));
  // Fixpoint: a record is finite once every field's type is; enums and fixed are finite from the start.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, definition] of records) {
      if (finite.has(name)) continue;
      const fields = (definition as { fields?: Json }).fields;
      if (Array.isArray(fields) && fields.every((field) => !isObject(field) || isFinite(field.type as Json))) {
        finite.add(name);
        changed = true;
      }
    }
  }
  const out: Array<{ record: string; field: string }> = [];
  for (const name of own) {
    if (finite.has(name)) continue;
    const definition = definitions.get(name);
    if (!isObject(definition) || (definition.type !== 'record' && definition.type !== 'error')) continue;
    const fields = Array.isArray(definition.fields) ? definition.fields : [];
    const field = fields.find((item) => isObject(item) && !isFinite(item.type as Json));
    out.push({ record: name, field: isObject(field) ? String(field.name) : '?' });
  }
  return out;
}
