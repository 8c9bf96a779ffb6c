import { describe, expect, it } from 'vitest';
import { canonicalAvro } from '../../../src/tasks/schemas/formats/avro.js';
import { resolveSchema, SchemaProblem } from '../../../src/tasks/schemas/formats/index.js';
import { schema } from './helpers.js';

function problem(body: () => unknown): SchemaProblem {
  try {
    body();
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaProblem);
    return error as SchemaProblem;
  }
  throw new Error('expected a SchemaProblem');
}

describe('Avro', () => {
  const customer = { type: 'record', name: 'Customer', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] };

  it('gives formatting, key order, namespace spelling and wrapped primitives the same key', () => {
    const a = schema('AVRO', JSON.stringify(customer, null, 4));
    const b = schema('AVRO', '{"fields":[{"type":{"type":"string"},"name":"id"}],"type":"record","name":"com.acme.Customer"}');
    expect(a.key).toBe(b.key);
    expect(a.text).toBe('{"type":"record","name":"com.acme.Customer","fields":[{"name":"id","type":"string"}]}');
  });

  it('keeps what compatibility depends on: defaults, order of fields', () => {
    const base = schema('AVRO', { ...customer, fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 0 }] });
    expect(schema('AVRO', { ...customer, fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 1 }] }).key).not.toBe(base.key);
    expect(schema('AVRO', { ...customer, fields: [{ name: 'n', type: 'int', default: 0 }, { name: 'id', type: 'string' }] }).key).not.toBe(base.key);
  });

  it('leaves docs out of the normalized key (as the registry does) but keeps them in the registered text', () => {
    const base = schema('AVRO', customer);
    const documented = schema('AVRO', { ...customer, doc: 'A customer', fields: [{ name: 'id', type: 'string', doc: 'the id' }] });
    expect(documented.key).toBe(base.key);
    expect(documented.text).toContain('"doc":"A customer"');
    expect(documented.text).toContain('"doc":"the id"');
    // A "doc" inside a default is data, not documentation.
    const withDefault = (doc: string) => schema('AVRO', { ...customer, fields: [{ name: 'm', type: { type: 'map', values: 'string' }, default: { doc } }] }).key;
    expect(withDefault('a')).not.toBe(withDefault('b'));
    // Without normalize the text is the identity: a doc change is a change.
    const verbatim = (value: object) => resolveSchema({ type: 'AVRO', text: JSON.stringify(value), references: [], normalize: false }).key;
    expect(verbatim({ ...customer, doc: 'x' })).not.toBe(verbatim(customer));
  });

  it('refuses a record with no finite value, naming the record and the field', () => {
    const infinite = problem(() => schema('AVRO', '{"type":"record","name":"Inf","fields":[{"name":"next","type":"Inf"}]}'));
    expect(infinite.message).toMatch(/^record Inf has no finite value: its field next always leads back/);
    expect(infinite.location).toBe('1:25');
    // Two records that only hold each other.
    const pair = { type: 'record', name: 'A', fields: [{ name: 'b', type: { type: 'record', name: 'B', fields: [{ name: 'id', type: 'int' }, { name: 'a', type: 'A' }] } }] };
    expect(problem(() => schema('AVRO', pair)).message).toMatch(/^record A has no finite value: its field b always leads back into records A, B/);
    // Escapes: a union with null, an array, a map; an enum or a primitive in a union branch.
    for (const next of [['null', 'R'], { type: 'array', items: 'R' }, { type: 'map', values: 'R' }, ['R', 'string']]) {
      expect(() => schema('AVRO', { type: 'record', name: 'R', fields: [{ name: 'id', type: 'int' }, { name: 'next', type: next }] })).not.toThrow();
    }
  });

  it('refuses schemas nested deeper than the limit with the position, without running out of stack', () => {
    let deep: unknown = 'int';
    for (let level = 0; level < 1000; level += 1) deep = { type: 'record', name: `R${level}`, fields: [{ name: 'f', type: deep }] };
    const avro = problem(() => schema('AVRO', deep as object));
    expect(avro.message).toMatch(/nests deeper than 256 levels/);
    expect(avro.location).toMatch(/^1:\d+$/);
    let json: unknown = { type: 'string' };
    for (let level = 0; level < 1000; level += 1) json = { type: 'object', properties: { p: json } };
    expect(problem(() => schema('JSON', { $schema: 'http://json-schema.org/draft-07/schema#', ...(json as object) })).message).toMatch(/nests deeper than 256 levels/);
    const proto = `syntax = "proto3";\n${'message M {\n'.repeat(1000)}string x = 1;\n${'}\n'.repeat(1000)}`;
    expect(problem(() => schema('PROTOBUF', proto)).message).toMatch(/nests too deeply: at most 32 levels of nested message declarations/);
  });

  it('resolves short names the way Avro does: enclosing namespace, then the null namespace', () => {
    const canonical = canonicalAvro({ type: 'record', name: 'Order', namespace: 'com.acme', fields: [{ name: 'c', type: 'Customer' }, { name: 'g', type: 'Global' }] }, new Set(['com.acme.Customer', 'Global']));
    expect(JSON.stringify(canonical)).toBe('{"type":"record","name":"com.acme.Order","fields":[{"name":"c","type":"com.acme.Customer"},{"name":"g","type":"Global"}]}');
  });

  it('keeps a null-namespace type nested in a namespaced one where it is', () => {
    const text = JSON.stringify({ type: 'record', name: 'Outer', namespace: 'com.acme', fields: [{ name: 'i', type: { type: 'record', name: 'Inner', namespace: '', fields: [] } }] });
    const resolved = schema('AVRO', text);
    expect(resolved.avro!.names).toEqual(['com.acme.Outer', 'Inner']);
    expect(schema('AVRO', resolved.text).key).toBe(resolved.key);
  });

  it('names the line of an unknown type and of an invalid default', () => {
    const unknown = problem(() => schema('AVRO', '{\n  "type": "record",\n  "name": "A",\n  "fields": [\n    {"name": "a", "type": "nope"}\n  ]\n}'));
    expect(unknown.message).toContain('undefined type name');
    expect(unknown.location).toBe('5:27');
    const badDefault = problem(() => schema('AVRO', '{"type": "record", "name": "A",\n "fields": [{"name": "a", "type": "int", "default": "x"}]}'));
    expect(badDefault.message).toMatch(/default/);
    expect(badDefault.location?.startsWith('2:')).toBe(true);
  });

  it('reports invalid JSON with line and column', () => {
    const error = problem(() => schema('AVRO', '{"type": "record",\n "name": "A" "fields": []}'));
    expect(error.message).toContain('invalid JSON');
    expect(error.location).toBe('2:14');
  });

  it('resolves a named type from a reference and requires the reference to be named after it', () => {
    const referenced = schema('AVRO', customer);
    const order = { type: 'record', name: 'Order', namespace: 'com.acme', fields: [{ name: 'customer', type: 'Customer' }] };
    expect(schema('AVRO', order, [{ name: 'com.acme.Customer', target: referenced }]).text).toContain('"type":"com.acme.Customer"');
    expect(problem(() => schema('AVRO', order, [{ name: 'Customer', target: referenced }])).message).toContain('names no type of subject');
    expect(problem(() => schema('AVRO', order)).message).toContain('undefined type name: com.acme.Customer');
  });
});

describe('JSON Schema', () => {
  it('validates draft-07 (the default) and 2020-12 against their meta-schemas, naming the line', () => {
    expect(schema('JSON', { type: 'object', properties: { a: { type: 'string' } } }).type).toBe('JSON');
    expect(schema('JSON', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', $defs: { x: { type: 'string' } }, properties: { a: { $ref: '#/$defs/x' } } }).type).toBe('JSON');
    const error = problem(() => schema('JSON', '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "strin"}\n  }\n}'));
    expect(error.message).toContain('not a valid draft-07 JSON Schema: /properties/a/type');
    expect(error.location).toBe('4:19');
  });

  it('refuses an unsupported draft and a $ref that does not resolve', () => {
    expect(problem(() => schema('JSON', { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' })).message).toContain('is not supported');
    expect(problem(() => schema('JSON', { type: 'object', properties: { a: { $ref: 'address.json' } } })).message).toContain('$ref address.json does not resolve');
  });

  it('resolves a $ref to a referenced schema by the reference name', () => {
    const address = schema('JSON', { type: 'object', properties: { street: { type: 'string' } } });
    const person = schema('JSON', { type: 'object', properties: { address: { $ref: 'address.json' } } }, [{ name: 'address.json', target: address }]);
    expect(person.json!.documents.has('address.json')).toBe(true);
  });

  it('gives key order and whitespace the same key', () => {
    expect(schema('JSON', '{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}}}').key).toBe(
      schema('JSON', '{\n  "properties": {\n    "a": {"type": "integer"},\n    "b": {"type": "string"}\n  },\n  "type": "object"\n}').key,
    );
  });
});

describe('Protobuf', () => {
  const address = 'syntax = "proto3";\npackage acme;\nmessage Address { string street = 1; }\n';

  it('gives formatting, comments and declaration order the same key', () => {
    const a = schema('PROTOBUF', 'syntax = "proto3";\npackage acme;\nmessage A { string a = 1; }\nmessage B { int32 b = 1; }\n');
    const b = schema('PROTOBUF', '// comment\nsyntax="proto3";\npackage acme;\n\nmessage B {\n  int32 b = 1; // the b\n}\nmessage A {\n  string a = 1;\n}\n');
    expect(a.key).toBe(b.key);
    expect(schema('PROTOBUF', 'syntax = "proto3";\npackage acme;\nmessage A { string a = 2; }\nmessage B { int32 b = 1; }\n').key).not.toBe(a.key);
  });

  it('names the line of a syntax error', () => {
    const error = problem(() => schema('PROTOBUF', 'syntax = "proto3";\npackage acme;\nmessage A {\n  string a = 1;\n  int32 b = x;\n}\n'));
    expect(error.message).toContain("illegal id 'x'");
    expect(error.location).toBe('5:1');
  });

  it('resolves imports through references and knows the well-known types', () => {
    const referenced = schema('PROTOBUF', address);
    const person = 'syntax = "proto3";\npackage acme;\nimport "address.proto";\nimport "google/protobuf/timestamp.proto";\nmessage Person { Address address = 1; google.protobuf.Timestamp at = 2; }\n';
    expect(schema('PROTOBUF', person, [{ name: 'address.proto', target: referenced }]).proto!.imports).toContain('address.proto');
    expect(problem(() => schema('PROTOBUF', person)).message).toContain('import "address.proto" has no reference');
    expect(problem(() => schema('PROTOBUF', 'syntax = "proto3";\nmessage P { Missing m = 1; }\n')).message).toContain('Missing');
  });

  it('refuses a reference of another schema type', () => {
    const avro = schema('AVRO', { type: 'record', name: 'X', fields: [] });
    const error = problem(() => resolveSchema({ type: 'PROTOBUF', text: 'syntax = "proto3";\nimport "x.proto";\n', references: [{ name: 'x.proto', subject: 'x-value', target: avro }], normalize: true }));
    expect(error.message).toContain('holds a AVRO schema');
  });
});
