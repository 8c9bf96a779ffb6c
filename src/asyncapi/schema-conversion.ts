/**
 * Payload schemas as the parser hands them over, turned into what a registry takes: the parser's
 * own marks (x-parser-schema-id, ...) removed, and an AsyncAPI schema object turned into JSON
 * Schema draft-07, of which it is a superset (AsyncAPI 2.6 "Schema Object", 3.x "Multi Format
 * Schema Object": discriminator, externalDocs, deprecated and x- extensions are its additions).
 */

const ASYNCAPI_ONLY_KEYWORDS = new Set(['discriminator', 'externalDocs', 'deprecated']);
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];
const SCHEMA_VALUES = ['not', 'if', 'then', 'else', 'additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'items'];

/** Thrown when a schema refers to itself: a registry schema must be a finite tree here. */
export class RecursiveSchema extends Error {}

/** A deep copy without the parser's `x-parser-*` keys. */
export function withoutParserMarks(value: unknown, seen: Set<unknown> = new Set()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) throw new RecursiveSchema('the schema refers to itself');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => withoutParserMarks(item, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (!key.startsWith('x-parser-')) out[key] = withoutParserMarks(item, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** An AsyncAPI schema object (without parser marks) as a JSON Schema draft-07 document. */
export function asyncApiSchemaToJsonSchema(schema: unknown): unknown {
  const converted = convert(schema);
  if (converted !== null && typeof converted === 'object' && !Array.isArray(converted) && !('$schema' in converted)) {
    // Without $schema, Apicurio Registry refuses a schema that has no properties ("not from type JSON").
    return { $schema: 'http://json-schema.org/draft-07/schema#', ...converted };
  }
  return converted;
}

function convert(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ASYNCAPI_ONLY_KEYWORDS.has(key) || key.startsWith('x-')) continue;
    if (SCHEMA_MAPS.includes(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, Array.isArray(item) ? item : convert(item)]));
    } else if (SCHEMA_LISTS.includes(key) && Array.isArray(value)) {
      out[key] = value.map(convert);
    } else if (SCHEMA_VALUES.includes(key)) {
      out[key] = Array.isArray(value) ? value.map(convert) : convert(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}
