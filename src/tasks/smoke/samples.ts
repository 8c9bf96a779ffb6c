import protobuf from 'protobufjs';

/**
 * Records generated from a schema, for a probe without a sample file. They aim at "valid", not
 * "realistic": the registry client validates each one before it is sent, and a schema this
 * cannot satisfy (a `pattern`, say) asks the user for `serde.sampleFile` instead.
 */

type JsonSchema = Record<string, unknown> | boolean;
const MAX_DEPTH = 8;

export function jsonSchemaSample(root: JsonSchema): unknown {
  const resolve = (ref: string): JsonSchema | undefined => {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = root;
    for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
      const key = decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'));
      node = (node as Record<string, unknown> | undefined)?.[key];
    }
    return node as JsonSchema | undefined;
  };

  const sample = (schema: JsonSchema | undefined, depth: number): unknown => {
    if (schema === undefined || typeof schema === 'boolean') return 'synchook';
    if (depth > MAX_DEPTH) return null;
    if (typeof schema.$ref === 'string') return sample(resolve(schema.$ref), depth + 1);
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
    if ('default' in schema) return schema.default;
    if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
    if (Array.isArray(schema.allOf)) return mergeSamples(schema.allOf.map((part) => sample(part as JsonSchema, depth + 1)), sample({ ...schema, allOf: undefined }, depth + 1));
    for (const key of ['oneOf', 'anyOf'] as const) {
      const options = schema[key];
      if (Array.isArray(options) && options.length > 0) return sample(options[0] as JsonSchema, depth + 1);
    }
    const type = Array.isArray(schema.type) ? (schema.type.find((candidate) => candidate !== 'null') ?? schema.type[0]) : schema.type;
    switch (type) {
      case 'object':
        return objectSample(schema, depth);
      case 'array': {
        const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 1);
        const items = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : undefined;
        return Array.from({ length: items ? items.length : count }, (_, index) => sample(items ? items[index] : (schema.items as JsonSchema | undefined), depth + 1));
      }
      case 'string':
        return stringSample(schema);
      case 'integer':
        return numberSample(schema, true);
      case 'number':
        return numberSample(schema, false);
      case 'boolean':
        return true;
      case 'null':
        return null;
      default:
        return schema.properties ? objectSample(schema, depth) : 'synchook';
    }
  };

  const objectSample = (schema: Record<string, unknown>, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, property] of Object.entries(properties)) out[name] = sample(property, depth + 1);
    for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
      if (!(name in out)) out[name] = 'synchook';
    }
    return out;
  };

  return sample(root, 0);
}

function mergeSamples(parts: unknown[], own: unknown): unknown {
  const objects = [own, ...parts].filter((part) => part && typeof part === 'object' && !Array.isArray(part));
  if (objects.length === 0) return parts[0];
  return Object.assign({}, ...objects);
}

function stringSample(schema: Record<string, unknown>): string {
  switch (schema.format) {
    case 'date-time':
      return '2024-01-01T00:00:00Z';
    case 'date':
      return '2024-01-01';
    case 'time':
      return '00:00:00Z';
    case 'email':
      return 'probe@synchook.dev';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'uri':
    case 'url':
      return 'https://synchook.dev/probe';
    case 'hostname':
      return 'synchook.dev';
    case 'ipv4':
      return '127.0.0.1';
    default:
      break;
  }
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  let text = 'synchook';
  while (text.length < min) text += 'x';
  return text.slice(0, Math.max(min, Math.min(max, text.length)));
}

function numberSample(schema: Record<string, unknown>, integer: boolean): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + (integer ? 1 : 0.5) : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - (integer ? 1 : 0.5) : undefined;
  let value = min ?? (max !== undefined ? Math.min(1, max) : 1);
  if (integer) value = Math.ceil(value);
  const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : undefined;
  if (step) value = Math.ceil(value / step) * step;
  return value;
}

/** A message for a Protobuf type with every field set (the first field of each oneof). */
export function protobufSample(type: protobuf.Type, depth = 0): Record<string, unknown> {
  type.resolveAll();
  const out: Record<string, unknown> = {};
  const skipped = new Set<string>();
  for (const oneof of type.oneofsArray) for (const field of oneof.fieldsArray.slice(1)) skipped.add(field.name);
  for (const field of type.fieldsArray) {
    if (skipped.has(field.name)) continue;
    const value = fieldSample(field, depth);
    if (value === undefined) continue;
    if (field instanceof protobuf.MapField) out[field.name] = { [mapKeySample(field.keyType)]: value };
    else out[field.name] = field.repeated ? [value] : value;
  }
  return out;
}

function fieldSample(field: protobuf.Field, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return depth >= MAX_DEPTH ? undefined : protobufSample(resolved, depth + 1);
  if (resolved instanceof protobuf.Enum) {
    const values = Object.values(resolved.values);
    return values[values.length > 1 ? 1 : 0];
  }
  switch (field.type) {
    case 'string':
      return 'synchook';
    case 'bytes':
      return Buffer.from('synchook');
    case 'bool':
      return true;
    case 'double':
    case 'float':
      return 1.5;
    default:
      return 1;
  }
}

function mapKeySample(keyType: string): string {
  return keyType === 'string' ? 'synchook' : keyType === 'bool' ? 'true' : '1';
}
