import { describe, expect, it } from 'vitest';
import { checkCompatibility, describeFindings } from '../../../src/tasks/schemas/compat/index.js';
import { schema } from './helpers.js';

const earlier = (type: 'AVRO' | 'JSON', ...versions: unknown[]) => versions.map((version, index) => ({ schema: schema(type, version), label: `version ${index + 1}` }));

describe('compatibility explanations', () => {
  it('say who cannot read whose data, where, under which rule, and what to change', () => {
    const old = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] };
    const next = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'int' }, { name: 'total', type: 'long' }] };
    const verdict = checkCompatibility('FULL', schema('AVRO', next), earlier('AVRO', old));
    expect(verdict.compatible).toBe(false);
    const text = describeFindings(verdict.findings);
    expect(text).toContain('the new schema cannot read data written with version 1: reader type INT is not compatible with writer type STRING (TYPE_MISMATCH at /fields/0/type;');
    expect(text).toContain('field total of record Order is missing in the writer\'s schema and has no default value (READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1; give the new field a default value)');
    expect(text).toContain('version 1 cannot read data written with the new schema: reader type STRING is not compatible with writer type INT');
  });

  it('handle recursive Avro types', () => {
    const node = (extra: unknown[]) => ({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }, ...extra] });
    expect(checkCompatibility('FULL', schema('AVRO', node([{ name: 'v', type: 'int', default: 0 }])), earlier('AVRO', node([]))).compatible).toBe(true);
    expect(checkCompatibility('BACKWARD', schema('AVRO', node([{ name: 'v', type: 'int' }])), earlier('AVRO', node([]))).compatible).toBe(false);
  });

  it('check Avro types from references', () => {
    const customer = (fields: unknown[]) => schema('AVRO', { type: 'record', name: 'Customer', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, ...fields] });
    const order = { type: 'record', name: 'Order', namespace: 'com.acme', fields: [{ name: 'customer', type: 'Customer' }] };
    const before = schema('AVRO', order, [{ name: 'com.acme.Customer', target: customer([]) }]);
    const after = schema('AVRO', order, [{ name: 'com.acme.Customer', target: customer([{ name: 'email', type: 'string' }]) }]);
    const verdict = checkCompatibility('BACKWARD', after, [{ schema: before, label: 'version 1' }]);
    expect(verdict.findings.map((finding) => finding.location)).toEqual(['/fields/0/type/fields/1']);
  });

  it('leave JSON Schema keywords they do not cover to the registry', () => {
    const old = { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } };
    const next = { type: 'object', properties: { a: { anyOf: [{ type: 'string' }] } } };
    const verdict = checkCompatibility('BACKWARD', schema('JSON', next), earlier('JSON', old));
    expect(verdict.compatible).toBeUndefined();
    expect(verdict.undecided[0]).toContain('/properties/a: anyOf differs');
    expect(checkCompatibility('BACKWARD', schema('JSON', old), earlier('JSON', old)).compatible).toBe(true);
  });

  it('follow JSON Schema $refs, local and to referenced schemas', () => {
    const address = (properties: Record<string, unknown>) => schema('JSON', { type: 'object', properties, additionalProperties: false });
    const person = { type: 'object', definitions: { name: { type: 'string', maxLength: 20 } }, properties: { name: { $ref: '#/definitions/name' }, address: { $ref: 'address.json' } } };
    const before = schema('JSON', person, [{ name: 'address.json', target: address({ street: { type: 'string' } }) }]);
    const after = schema('JSON', person, [{ name: 'address.json', target: address({}) }]);
    const verdict = checkCompatibility('BACKWARD', after, [{ schema: before, label: 'version 1' }]);
    expect(verdict.findings.map((finding) => [finding.rule, finding.location])).toEqual([['OBJECT_TYPE_PROPERTY_SCHEMAS_NARROWED', '/properties/address/properties/street']]);
    const shorter = schema('JSON', { ...person, definitions: { name: { type: 'string', maxLength: 10 } } }, [{ name: 'address.json', target: address({ street: { type: 'string' } }) }]);
    expect(checkCompatibility('BACKWARD', shorter, [{ schema: before, label: 'version 1' }]).findings[0]!.rule).toBe('STRING_TYPE_MAX_LENGTH_DECREASED');
  });

  it('report a changed schema type', () => {
    const verdict = checkCompatibility('BACKWARD', schema('JSON', { type: 'object' }), earlier('AVRO', { type: 'record', name: 'A', fields: [] }));
    expect(verdict.findings[0]!.rule).toBe('SCHEMA_TYPE_CHANGED');
  });
});
