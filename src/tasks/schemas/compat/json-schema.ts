/**
 * JSON Schema compatibility, decided the way registries decide it: a reader schema can read the
 * data of a writer schema when every document valid under the writer is valid under the reader.
 * Covered: type (integer within number), enum and const, required, properties and
 * additionalProperties (open and closed content models), string length, pattern and format,
 * numeric bounds and multipleOf, array items and sizes, local and cross-schema $ref. Other
 * keywords (anyOf, oneOf, allOf, not, if/then/else, patternProperties, tuple items, ...) are
 * compared for equality; where they differ the verdict is left to the registry ("undecided").
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface JsonSchemaDocument {
  schema: Json;
  /** Referenced schemas by the name the $ref uses (Confluent's reference name). */
  references: ReadonlyMap<string, Json>;
}

interface JsonSchemaFinding {
  /** A short rule name in the registries' style, e.g. OBJECT_TYPE_REQUIRED_PROPERTIES_MEMBER_ADDED. */
  rule: string;
  location: string;
  message: string;
}

export interface JsonSchemaVerdict {
  findings: JsonSchemaFinding[];
  /** Places where the checker cannot decide (unsupported keyword changed, unresolvable $ref). */
  undecided: string[];
}

const ALL_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'string', 'integer'] as const;
const UNSUPPORTED = ['anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else', 'dependentSchemas', 'dependentRequired', 'dependencies', 'patternProperties', 'propertyNames', 'prefixItems', 'additionalItems', 'contains', 'minContains', 'maxContains', 'unevaluatedProperties', 'unevaluatedItems'];
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$schema', '$id', 'definitions', '$defs']);

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

function containsRef(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsRef);
  if (!isObject(value)) return false;
  return typeof value.$ref === 'string' || Object.values(value).some(containsRef);
}

interface Scope {
  root: Json;
  references: ReadonlyMap<string, Json>;
}

/** Does `reader` accept every document `writer` accepts? Findings say where it does not. */
export function jsonSchemaCanRead(reader: JsonSchemaDocument, writer: JsonSchemaDocument): JsonSchemaVerdict {
  const verdict: JsonSchemaVerdict = { findings: [], undecided: [] };
  const ids = new WeakMap<object, number>();
  let next = 0;
  const idOf = (value: Json): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    let id = ids.get(value);
    if (id === undefined) {
      id = next++;
      ids.set(value, id);
    }
    return `#${id}`;
  };
  const seen = new Set<string>();

  const deref = (schema: Json, scope: Scope, location: string): { schema: Json; scope: Scope } | undefined => {
    let current = schema;
    let currentScope = scope;
    for (let depth = 0; depth < 32; depth += 1) {
      if (!isObject(current) || typeof current.$ref !== 'string') return { schema: current, scope: currentScope };
      const extra = Object.keys(current).filter((key) => key !== '$ref' && !ANNOTATIONS.has(key));
      if (extra.length > 0) {
        verdict.undecided.push(`${location}: $ref next to ${extra.join(', ')}`);
        return undefined;
      }
      const [documentPart = '', fragment] = current.$ref.split('#', 2);
      const root = documentPart === '' ? currentScope.root : currentScope.references.get(documentPart);
      if (root === undefined) {
        verdict.undecided.push(`${location}: cannot resolve $ref ${current.$ref}`);
        return undefined;
      }
      const target = fragment ? pointer(root, fragment) : root;
      if (target === undefined) {
        verdict.undecided.push(`${location}: cannot resolve $ref ${current.$ref}`);
        return undefined;
      }
      current = target;
      currentScope = { root, references: currentScope.references };
    }
    verdict.undecided.push(`${location}: $ref chain too long`);
    return undefined;
  };

  const fail = (rule: string, location: string, message: string) => verdict.findings.push({ rule, location: location || '/', message });

  const check = (writerSchema: Json, writerScope: Scope, readerSchema: Json, readerScope: Scope, location: string): void => {
    const w = deref(writerSchema, writerScope, location);
    const r = deref(readerSchema, readerScope, location);
    if (!w || !r) return;
    const key = `${idOf(w.schema)}|${idOf(r.schema)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const ws = w.schema;
    const rs = r.schema;
    if (!containsRef(ws) && !containsRef(rs) && deepEqual(ws, rs)) return;
    if (rs === true || (isObject(rs) && Object.keys(rs).every((k) => ANNOTATIONS.has(k)))) return;
    if (ws === false) return;
    if (rs === false) {
      fail('SCHEMA_REJECTS_EVERYTHING', location, 'the reader accepts nothing here, the writer accepts values');
      return;
    }
    const writer: JsonObject = ws === true ? {} : isObject(ws) ? ws : {};
    const reader: JsonObject = isObject(rs) ? rs : {};

    for (const keyword of UNSUPPORTED) {
      if ((keyword in writer || keyword in reader) && !deepEqual(writer[keyword], reader[keyword])) {
        verdict.undecided.push(`${location || '/'}: ${keyword} differs`);
      }
    }
    if (Array.isArray(writer.items) || Array.isArray(reader.items)) {
      if (!deepEqual(writer.items, reader.items)) verdict.undecided.push(`${location || '/'}: tuple items differ`);
    }

    // Types.
    const writerTypes = typesOf(writer);
    const readerTypes = typesOf(reader);
    const accepted = new Set<string>();
    const rejected: string[] = [];
    for (const type of writerTypes) {
      if (readerTypes.has(type)) accepted.add(type);
      else if (type === 'integer' && readerTypes.has('number')) accepted.add('integer');
      else if (type === 'number' && readerTypes.has('integer')) {
        accepted.add('integer');
        fail('NUMBER_TYPE_INTEGER_REQUIRED', `${location}/type`, 'the writer allows any number, the reader only integers');
      } else rejected.push(type);
    }
    if (rejected.length > 0) {
      const all = writerTypes.size === ALL_TYPES.length;
      fail(
        'SUBSCHEMA_TYPE_CHANGED',
        `${location}/type`,
        all ? `the writer accepts any type, the reader only ${[...readerTypes].join(' or ')}` : `type ${[...writerTypes].join(' or ')} in the writer, ${[...readerTypes].join(' or ')} in the reader`,
      );
    }

    // Enumerated values.
    const writerValues = valuesOf(writer);
    const readerValues = valuesOf(reader);
    if (readerValues) {
      if (!writerValues) fail('ENUM_TYPE_ADDED', `${location}/enum`, `the reader only accepts ${readerValues.map((value) => JSON.stringify(value)).join(', ')}; the writer has no such restriction`);
      else {
        const missing = writerValues.filter((value) => !readerValues.some((candidate) => deepEqual(candidate, value)));
        if (missing.length > 0) fail('ENUM_TYPE_VALUES_MEMBER_REMOVED', `${location}/enum`, `value${missing.length > 1 ? 's' : ''} ${missing.map((value) => JSON.stringify(value)).join(', ')} of the writer ${missing.length > 1 ? 'are' : 'is'} not accepted by the reader`);
      }
    }

    const both = (type: string) => accepted.has(type) || (type === 'number' && accepted.has('integer')) || (type === 'integer' && accepted.has('number'));

    if (both('string')) {
      lowerBound(writer, reader, 'minLength', location, 'STRING_TYPE_MIN_LENGTH_INCREASED', 'minimum length');
      upperBound(writer, reader, 'maxLength', location, 'STRING_TYPE_MAX_LENGTH_DECREASED', 'maximum length');
      if (reader.pattern !== undefined && reader.pattern !== writer.pattern) fail('STRING_TYPE_PATTERN_CHANGED', `${location}/pattern`, `the reader requires pattern ${JSON.stringify(reader.pattern)}${writer.pattern !== undefined ? `, the writer ${JSON.stringify(writer.pattern)}` : ''}`);
      if (reader.format !== undefined && reader.format !== writer.format) fail('STRING_TYPE_FORMAT_CHANGED', `${location}/format`, `the reader requires format ${JSON.stringify(reader.format)}${writer.format !== undefined ? `, the writer ${JSON.stringify(writer.format)}` : ''}`);
    }
    if (both('number') || both('integer')) {
      lowerBound(writer, reader, 'minimum', location, 'NUMBER_TYPE_MINIMUM_INCREASED', 'minimum');
      upperBound(writer, reader, 'maximum', location, 'NUMBER_TYPE_MAXIMUM_DECREASED', 'maximum');
      lowerBound(writer, reader, 'exclusiveMinimum', location, 'NUMBER_TYPE_EXCLUSIVE_MINIMUM_INCREASED', 'exclusive minimum');
      upperBound(writer, reader, 'exclusiveMaximum', location, 'NUMBER_TYPE_EXCLUSIVE_MAXIMUM_DECREASED', 'exclusive maximum');
      if (typeof reader.multipleOf === 'number' && !(typeof writer.multipleOf === 'number' && isMultiple(writer.multipleOf, reader.multipleOf))) {
        fail('NUMBER_TYPE_MULTIPLE_OF_CHANGED', `${location}/multipleOf`, `the reader requires multiples of ${reader.multipleOf}`);
      }
    }
    if (both('object')) {
      const writerRequired = stringsOf(writer.required);
      for (const name of stringsOf(reader.required)) {
        if (!writerRequired.includes(name)) fail('OBJECT_TYPE_REQUIRED_PROPERTIES_MEMBER_ADDED', `${location}/required`, `property ${name} is required by the reader but optional in the writer`);
      }
      const writerProperties = isObject(writer.properties) ? writer.properties : {};
      const readerProperties = isObject(reader.properties) ? reader.properties : {};
      const writerAdditional = additional(writer);
      const readerAdditional = additional(reader);
      for (const name of new Set([...Object.keys(writerProperties), ...Object.keys(readerProperties)])) {
        const inWriter = name in writerProperties;
        const inReader = name in readerProperties;
        const ws2 = inWriter ? writerProperties[name]! : writerAdditional;
        const rs2 = inReader ? readerProperties[name]! : readerAdditional;
        if (ws2 === false) continue;
        const before = verdict.findings.length;
        check(ws2, w.scope, rs2, r.scope, `${location}/properties/${escape(name)}`);
        if (verdict.findings.length > before && inWriter !== inReader) {
          // Replace the generic finding with the reason a person recognises.
          verdict.findings.splice(before);
          if (!inWriter) {
            fail('OBJECT_TYPE_PROPERTY_SCHEMAS_NARROWED', `${location}/properties/${escape(name)}`, `property ${name} is declared by the reader only, but the writer's open content model (additionalProperties) lets its data carry ${name} with any value`);
          } else {
            fail('OBJECT_TYPE_PROPERTY_SCHEMAS_NARROWED', `${location}/properties/${escape(name)}`, `property ${name} of the writer is not declared by the reader, whose closed content model (additionalProperties: false) rejects it`);
          }
        }
      }
      if (!(writerAdditional === false)) {
        if (readerAdditional === false) fail('OBJECT_TYPE_ADDITIONAL_PROPERTIES_TRUE_TO_FALSE', `${location}/additionalProperties`, 'the writer allows additional properties, the reader forbids them');
        else check(writerAdditional, w.scope, readerAdditional, r.scope, `${location}/additionalProperties`);
      }
      lowerBound(writer, reader, 'minProperties', location, 'OBJECT_TYPE_MIN_PROPERTIES_INCREASED', 'minimum number of properties');
      upperBound(writer, reader, 'maxProperties', location, 'OBJECT_TYPE_MAX_PROPERTIES_DECREASED', 'maximum number of properties');
    }
    if (both('array')) {
      if (!Array.isArray(writer.items) && !Array.isArray(reader.items)) {
        check((writer.items as Json | undefined) ?? true, w.scope, (reader.items as Json | undefined) ?? true, r.scope, `${location}/items`);
      }
      lowerBound(writer, reader, 'minItems', location, 'ARRAY_TYPE_MIN_ITEMS_INCREASED', 'minimum number of items');
      upperBound(writer, reader, 'maxItems', location, 'ARRAY_TYPE_MAX_ITEMS_DECREASED', 'maximum number of items');
      if (reader.uniqueItems === true && writer.uniqueItems !== true) fail('ARRAY_TYPE_UNIQUE_ITEMS_FALSE_TO_TRUE', `${location}/uniqueItems`, 'the reader requires unique items, the writer does not');
    }
  };

  const lowerBound = (writer: JsonObject, reader: JsonObject, keyword: string, location: string, rule: string, words: string) => {
    const r = reader[keyword];
    const w = writer[keyword];
    if (typeof r === 'number' && !(typeof w === 'number' && w >= r)) fail(rule, `${location}/${keyword}`, `${words} ${typeof w === 'number' ? w : 'none'} in the writer, ${r} in the reader`);
  };
  const upperBound = (writer: JsonObject, reader: JsonObject, keyword: string, location: string, rule: string, words: string) => {
    const r = reader[keyword];
    const w = writer[keyword];
    if (typeof r === 'number' && !(typeof w === 'number' && w <= r)) fail(rule, `${location}/${keyword}`, `${words} ${typeof w === 'number' ? w : 'none'} in the writer, ${r} in the reader`);
  };

  check(writer.schema, { root: writer.schema, references: writer.references }, reader.schema, { root: reader.schema, references: reader.references }, '');
  return verdict;
}

function typesOf(schema: JsonObject): Set<string> {
  const type = schema.type;
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type.filter((item): item is string => typeof item === 'string'));
  const values = valuesOf(schema);
  if (values) return new Set(values.map(jsonType));
  return new Set(ALL_TYPES);
}

function jsonType(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function valuesOf(schema: JsonObject): Json[] | undefined {
  if ('const' in schema) return [schema.const as Json];
  if (Array.isArray(schema.enum)) return schema.enum;
  return undefined;
}

function additional(schema: JsonObject): Json {
  const value = schema.additionalProperties;
  return value === undefined ? true : value;
}

function stringsOf(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function isMultiple(of: number, base: number): boolean {
  const ratio = of / base;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function escape(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointer(root: Json, fragment: string): Json | undefined {
  if (fragment === '' || fragment === '/') return root;
  let current: Json | undefined = root;
  for (const raw of fragment.replace(/^\//, '').split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

