import { describe, expect, it } from 'vitest';
import { loadSchemaSet } from '../../../src/tasks/schemas/load.js';
import { compareSchemaSets } from '../../../src/tasks/schemas/offline.js';
import { folderSource } from '../../../src/tasks/schemas/sources.js';
import { writeTree } from './helpers.js';

const section = { files: ['subjects.yaml'], normalize: true, compatibility: undefined };
const subjects = [
  'subjects:',
  '  - { subject: customers-value, file: customer.avsc, compatibility: FULL }',
  '  - { subject: orders-value, file: order.json }',
  '  - { subject: events-value, file: event.proto }',
].join('\n');
const customer = (fields: unknown[]) => ({ type: 'record', name: 'Customer', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, ...fields] });
const order = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, additionalProperties: false, ...extra });
const event = (body: string) => `syntax = "proto3";\nmessage Event { ${body} }\n`;

async function compare(current: Record<string, string | object>, baseline: Record<string, string | object>) {
  const set = await loadSchemaSet(folderSource(writeTree(current)), section);
  const base = writeTree(baseline);
  return compareSchemaSets(set, 'origin/main', () => loadSchemaSet(folderSource(base), section, { shownSuffix: ' (at origin/main)' }));
}

describe('validate --against a baseline', () => {
  const baseline = { 'subjects.yaml': subjects, 'customer.avsc': customer([]), 'order.json': order({ id: { type: 'string' } }), 'event.proto': event('string id = 1;') };

  it('passes compatible changes and formatting-only changes', async () => {
    const result = await compare(
      { ...baseline, 'customer.avsc': JSON.stringify(customer([{ name: 'email', type: ['null', 'string'], default: null }]), null, 8), 'order.json': order({ id: { type: 'string' }, note: { type: 'string' } }) },
      baseline,
    );
    expect(result.violations).toEqual([]);
    expect(result.checked[0]).toBe('against origin/main: 2 changed (2 compatible, 0 incompatible), 0 new, 1 unchanged');
    expect(result.checked[1]).toContain('1 changed subject has no configured level; checked under BACKWARD');
  });

  it('rejects an incompatible change with the field and the rule', async () => {
    const result = await compare({ ...baseline, 'customer.avsc': customer([{ name: 'email', type: 'string' }]) }, baseline);
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0]).toMatchObject({ resource: 'subject customers-value', file: 'customer.avsc', rule: 'incompatible-schema' });
    expect(result.violations[0]!.message).toContain('incompatible under FULL with its version at origin/main');
    expect(result.violations[0]!.message).toContain('field email of record com.acme.Customer is missing in the writer');
    expect(result.violations[0]!.message).toContain('READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1');
  });

  it('rejects a JSON Schema property removed from a closed model', async () => {
    const result = await compare({ ...baseline, 'order.json': order({}) }, baseline);
    expect(result.violations[0]!.message).toContain('property id of the writer is not declared by the reader');
  });

  it('leaves Protobuf changes to the registry, saying so', async () => {
    const result = await compare({ ...baseline, 'event.proto': event('string id = 1; int64 at = 2;') }, baseline);
    expect(result.violations).toEqual([]);
    expect(result.warnings.join('\n')).toContain('subject events-value: compatibility under BACKWARD with origin/main is left to the registry');
  });

  it('counts new subjects and notes removed ones', async () => {
    const result = await compare(
      { 'subjects.yaml': 'subjects:\n  - { subject: customers-value, file: customer.avsc, compatibility: FULL }\n  - { subject: fresh-value, file: fresh.avsc }\n', 'customer.avsc': customer([]), 'fresh.avsc': customer([]) },
      baseline,
    );
    expect(result.checked[0]).toContain('1 new, 1 unchanged');
    expect(result.warnings.join('\n')).toContain('subject orders-value is declared at origin/main but no longer here');
  });

  it('treats a baseline without the subjects file as "everything is new"', async () => {
    const result = await compare(baseline, { 'README.md': 'nothing yet' });
    expect(result.violations).toEqual([]);
    expect(result.warnings[0]).toContain('the baseline origin/main could not be read, so every subject counts as new');
  });
});
