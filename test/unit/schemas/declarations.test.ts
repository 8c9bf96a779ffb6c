import { describe, expect, it } from 'vitest';
import type { CompatibilityLevel } from '../../../src/tasks/schemas/config.js';
import { listDeclaredSubjects } from '../../../src/tasks/schemas/index.js';
import { loadSchemaSet } from '../../../src/tasks/schemas/load.js';
import { folderSource } from '../../../src/tasks/schemas/sources.js';
import { configError, writeTree } from './helpers.js';

const record = (name: string, fields: unknown[] = [{ name: 'id', type: 'string' }]) => ({ type: 'record', name, namespace: 'com.acme', fields });
type Section = { files: string[]; normalize: boolean; compatibility?: CompatibilityLevel };
const section: Section = { files: ['schemas/subjects.yaml'], normalize: true };

function load(files: Record<string, string | object>, options: Partial<Section> = {}) {
  const dir = writeTree(files);
  return loadSchemaSet(folderSource(dir), { ...section, ...options });
}

describe('subjects files', () => {
  it('declares subjects and topics, with types from extensions and levels from the section', async () => {
    const set = await load(
      {
        'schemas/subjects.yaml': [
          'subjects:',
          '  - subject: customers-value',
          '    file: customer.avsc',
          '    compatibility: FULL',
          '  - topic: orders',
          '    key: keys/order-key.json',
          '    value: { file: order.proto, compatibility: FORWARD }',
        ].join('\n'),
        'schemas/customer.avsc': record('Customer'),
        'schemas/keys/order-key.json': { type: 'string' },
        'schemas/order.proto': 'syntax = "proto3";\nmessage Order { string id = 1; }\n',
      },
      { compatibility: 'BACKWARD' },
    );
    expect(set.declarations.map(({ subject, type, file, compatibility }) => ({ subject, type, file, compatibility }))).toEqual([
      { subject: 'customers-value', type: 'AVRO', file: 'schemas/customer.avsc', compatibility: 'FULL' },
      { subject: 'orders-key', type: 'JSON', file: 'schemas/keys/order-key.json', compatibility: 'BACKWARD' },
      { subject: 'orders-value', type: 'PROTOBUF', file: 'schemas/order.proto', compatibility: 'FORWARD' },
    ]);
  });

  it('orders subjects after the subjects they reference', async () => {
    const set = await load({
      'schemas/subjects.yaml': [
        'subjects:',
        '  - subject: orders-value',
        '    file: order.avsc',
        '    references: [{ name: com.acme.Customer, subject: customers-value }]',
        '  - subject: customers-value',
        '    file: customer.avsc',
      ].join('\n'),
      'schemas/customer.avsc': record('Customer'),
      'schemas/order.avsc': record('Order', [{ name: 'customer', type: 'Customer' }]),
    });
    expect(set.ordered.map((item) => item.declaration.subject)).toEqual(['customers-value', 'orders-value']);
    expect(set.declarations[1]!.references[0]).toMatchObject({ name: 'com.acme.Customer', subject: 'customers-value', version: 'latest' });
  });

  it('names file, line and key of an unknown key, a bad level and a missing type', async () => {
    const unknown = await configError(() => load({ 'schemas/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: a.avsc\n    compatability: FULL\n' }));
    expect(unknown.message).toContain('schemas/subjects.yaml:4:5: unknown key subjects[0].compatability');
    const level = await configError(() => load({ 'schemas/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: a.avsc\n    compatibility: SOMETIMES\n' }));
    expect(level.message).toContain('schemas/subjects.yaml:4:20: subjects[0].compatibility: expected one of NONE, BACKWARD');
    const type = await configError(() => load({ 'schemas/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: a.schema\n' }));
    expect(type.message).toContain('schemas/subjects.yaml:3:11: cannot tell the schema type of a.schema');
  });

  it('refuses a subject declared twice, naming both places', async () => {
    const error = await configError(() =>
      load({ 'schemas/subjects.yaml': 'subjects:\n  - subject: orders-value\n    file: a.avsc\n  - topic: orders\n    value: b.avsc\n', 'schemas/a.avsc': record('A'), 'schemas/b.avsc': record('B') }),
    );
    expect(error.message).toContain('schemas/subjects.yaml:5:12: subject orders-value is declared twice (first at schemas/subjects.yaml:2:5)');
  });

  it('refuses missing files and globs that match nothing', async () => {
    expect((await configError(() => load({ 'schemas/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: missing.avsc\n' }))).message).toContain('the schema file schemas/missing.avsc of subject a-value does not exist');
    expect((await configError(() => load({}))).message).toContain('schemas.files[0]: schemas/subjects.yaml does not exist');
    expect((await configError(() => load({ 'x.yaml': 'subjects: []' }, { files: ['schemas/*.yaml'] }))).message).toContain('matches no file');
  });

  it('expands globs', async () => {
    const set = await load(
      { 'schemas/a/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: a.avsc\n', 'schemas/a/a.avsc': record('A'), 'schemas/b/subjects.yaml': 'subjects:\n  - subject: b-value\n    file: ../b.avsc\n', 'schemas/b.avsc': record('B') },
      { files: ['schemas/**/subjects.yaml'] },
    );
    expect(set.declarations.map((item) => [item.subject, item.file])).toEqual([
      ['a-value', 'schemas/a/a.avsc'],
      ['b-value', 'schemas/b.avsc'],
    ]);
  });

  it('refuses reference cycles and "latest" references to undeclared subjects', async () => {
    const cycle = await configError(() =>
      load({
        'schemas/subjects.yaml': [
          'subjects:',
          '  - { subject: a-value, file: a.avsc, references: [{ name: com.acme.B, subject: b-value }] }',
          '  - { subject: b-value, file: b.avsc, references: [{ name: com.acme.A, subject: a-value }] }',
        ].join('\n'),
      }),
    );
    expect(cycle.message).toContain('form a cycle (a-value → b-value → a-value)');
    const undeclared = await configError(() => load({ 'schemas/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: a.avsc\n    references:\n      - { name: com.acme.B, subject: shared-value }\n' }));
    expect(undeclared.message).toContain('schemas/subjects.yaml:5:9: reference com.acme.B of subject a-value points at subject shared-value, which this config does not declare, with version latest');
  });

  it('reports every invalid schema at once, each with its file and line', async () => {
    const error = await configError(() =>
      load({
        'schemas/subjects.yaml': 'subjects:\n  - { subject: a-value, file: a.avsc }\n  - { subject: b-value, file: b.json }\n',
        'schemas/a.avsc': '{"type": "record", "name": "A",\n "fields": [{"name": "x", "type": "nope"}]}',
        'schemas/b.json': '{"type": 12}',
      }),
    );
    expect(error.message).toContain('schemas/a.avsc:2:');
    expect(error.message).toContain('AVRO schema of subject a-value: invalid Avro schema: undefined type name: nope');
    expect(error.message).toContain('schemas/b.json:1:10: JSON schema of subject b-value');
  });

  it('leaves subjects that reference undeclared subjects unchecked offline', async () => {
    const set = await load({
      'schemas/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: a.avsc\n    references: [{ name: com.acme.Shared, subject: shared-value, version: 2 }]\n',
      'schemas/a.avsc': record('A', [{ name: 's', type: 'Shared' }]),
    });
    expect(set.ordered).toEqual([]);
    expect(set.unchecked[0]!.reason).toContain('shared-value version 2');
  });

  it('lists the declared subjects for teardown without parsing schema files', () => {
    const dir = writeTree({ 'schemas/subjects.yaml': 'subjects:\n  - subject: a-value\n    file: not-even-there.avsc\n  - topic: t\n    key: k.avsc\n    value: v.avsc\n' });
    expect(listDeclaredSubjects(dir, { files: ['schemas/subjects.yaml'] })).toEqual(['a-value', 't-key', 't-value']);
  });
});
