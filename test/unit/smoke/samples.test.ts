import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { jsonSchemaSample, protobufSample } from '../../../src/tasks/smoke/samples.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

describe('records generated from a schema', () => {
  it('satisfies a JSON Schema with formats, bounds, enums, references and nested arrays', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { money: { type: 'object', properties: { amount: { type: 'number', exclusiveMinimum: 0 }, currency: { enum: ['EUR', 'USD'] } }, required: ['amount', 'currency'] } },
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        at: { type: 'string', format: 'date-time' },
        email: { type: 'string', format: 'email' },
        code: { type: 'string', minLength: 12, maxLength: 12 },
        quantity: { type: 'integer', minimum: 3, multipleOf: 5 },
        price: { $ref: '#/$defs/money' },
        lines: { type: 'array', minItems: 2, items: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
        kind: { oneOf: [{ const: 'book' }, { const: 'film' }] },
        note: { type: ['null', 'string'] },
        flags: { allOf: [{ type: 'object', properties: { a: { type: 'boolean' } } }, { properties: { b: { type: 'integer' } } }] },
      },
      required: ['id', 'at', 'price', 'lines', 'extra'],
    };
    const sample = jsonSchemaSample(schema);
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    expect(ajv.validate(schema, sample), JSON.stringify(ajv.errors)).toBe(true);
    expect(sample).toMatchObject({ quantity: 5, code: 'synchookxxxx', price: { amount: 0.5, currency: 'EUR' }, kind: 'book' });
  });

  it('prefers a schema\'s own default and examples', () => {
    expect(jsonSchemaSample({ type: 'object', properties: { a: { type: 'string', default: 'dflt' }, b: { type: 'string', examples: ['ex'] } } })).toEqual({ a: 'dflt', b: 'ex' });
    const ajv = new Ajv({ strict: false });
    expect(ajv.validate({ type: 'array', items: { type: 'integer', maximum: -4 } }, jsonSchemaSample({ type: 'array', items: { type: 'integer', maximum: -4 } }))).toBe(true);
  });

  it('fills every field of a Protobuf message, nested messages, enums, maps and repeated fields included', () => {
    const { root } = protobuf.parse(
      'syntax = "proto3"; package p; enum Kind { K0 = 0; K1 = 1; } message Line { string sku = 1; int64 n = 2; bytes blob = 3; } message Order { string id = 1; repeated Line lines = 2; map<string, double> totals = 3; Kind kind = 4; oneof ref { string a = 5; int32 b = 6; } bool paid = 7; }',
      { keepCase: true },
    );
    const type = root.lookupType('p.Order');
    const sample = protobufSample(type);
    expect(type.verify(sample)).toBeNull();
    expect(Object.keys(sample).sort()).toEqual(['a', 'id', 'kind', 'lines', 'paid', 'totals']);
    const message = type.fromObject(sample);
    const decoded = type.toObject(type.decode(type.encode(message).finish()), { longs: Number, enums: String });
    expect(decoded).toMatchObject({ id: 'synchook', kind: 'K1', paid: true, lines: [{ sku: 'synchook', n: 1 }] });
  });
});
