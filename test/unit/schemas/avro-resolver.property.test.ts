/**
 * The hand-written Avro checker against an independent implementation of the same rules: avsc's
 * `readerType.createResolver(writerType)` (avsc throws when the reader cannot read the writer's
 * data). On generated pairs of record schemas both must agree wherever avsc decides.
 */
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avroIncompatibilities, avroModel } from '../../../src/tasks/schemas/compat/avro.js';
import { canonicalAvro, namedDefinitions } from '../../../src/tasks/schemas/formats/avro.js';

const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;
const DEFAULTS: Record<string, unknown> = { null: null, boolean: false, int: 0, long: 0, float: 0, double: 0, bytes: '', string: '' };

/** A field type: a primitive, an enum, an array or map of a primitive, or a union with null first. */
const fieldType = fc.oneof(
  fc.constantFrom(...PRIMITIVES),
  fc.record({ type: fc.constant('enum'), name: fc.constant('E'), symbols: fc.subarray(['A', 'B', 'C'], { minLength: 1 }) }),
  fc.record({ type: fc.constant('array'), items: fc.constantFrom(...PRIMITIVES) }),
  fc.record({ type: fc.constant('map'), values: fc.constantFrom(...PRIMITIVES) }),
  fc.uniqueArray(fc.constantFrom('int', 'long', 'string', 'double'), { minLength: 1, maxLength: 3 }).map((branches) => ['null', ...branches]),
);

function defaultFor(type: unknown): unknown {
  if (typeof type === 'string') return DEFAULTS[type];
  if (Array.isArray(type)) return null;
  const node = type as { type: string; symbols?: string[] };
  if (node.type === 'enum') return node.symbols![0];
  if (node.type === 'array') return [];
  return {};
}

const field = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), type: fieldType, withDefault: fc.boolean() });
const recordSchema = fc.uniqueArray(field, { selector: (item) => item.name, maxLength: 4 }).map((fields) => ({
  type: 'record',
  name: 'R',
  fields: fields.map(({ name, type: drawn, withDefault }) => {
    // One enum per field, named after it: a schema may define a name once.
    const type = typeof drawn === 'object' && !Array.isArray(drawn) && drawn.type === 'enum' ? { ...drawn, name: `E${name}` } : drawn;
    return withDefault ? { name, type, default: defaultFor(type) } : { name, type };
  }),
}));

function ourVerdict(reader: object, writer: object): boolean {
  const model = (schema: object) => {
    const canonical = canonicalAvro(schema);
    return avroModel(canonical, namedDefinitions(canonical));
  };
  return avroIncompatibilities(model(reader), model(writer)).length === 0;
}

function avscVerdict(reader: object, writer: object): boolean {
  try {
    avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
    return true;
  } catch {
    return false;
  }
}

describe('the Avro checker agrees with avsc createResolver', () => {
  it('on generated record pairs, compatible and incompatible ones', () => {
    const verdicts = { compatible: 0, incompatible: 0 };
    fc.assert(
      fc.property(recordSchema, recordSchema, (reader, writer) => {
        const expected = avscVerdict(reader, writer);
        expect(ourVerdict(reader, writer), `reader ${JSON.stringify(reader)}\nwriter ${JSON.stringify(writer)}`).toBe(expected);
        verdicts[expected ? 'compatible' : 'incompatible'] += 1;
      }),
      { numRuns: 2000 },
    );
    // Both outcomes are drawn often enough for the agreement to mean something.
    expect(verdicts.compatible).toBeGreaterThan(200);
    expect(verdicts.incompatible).toBeGreaterThan(200);
  });
});
