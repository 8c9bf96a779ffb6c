import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseWithoutPositions } from '../../../src/config/yaml-fast.js';
import { parseYamlDocuments, parseYamlFile } from '../../../src/config/yaml.js';

/** What the positioned parse (the `yaml` library) makes of a stream. */
function positioned(text: string): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  return Array.isArray(docs) ? docs.map((doc) => doc.toJS()) : [];
}

const SCALARS = ['', '~', 'null', 'NULL', 'true', 'False', 'yes', 'no', 'on', '0', '-0', '+1', '012', '0o17', '0x1F', '0b101', '1_000', '1e3', '.5', '1.', '-.inf', '.NaN', '1.50', '2024-01-01', '12:30', '86400000', 'compact,delete', '"123"', "'true'"];

describe('YAML without positions', () => {
  it('reads every scalar, as a value and in a list, exactly as the positioned parse does', () => {
    for (const scalar of SCALARS) {
      for (const text of [`key: ${scalar}\n`, `- ${scalar}\n`]) {
        const fast = parseWithoutPositions(text);
        if (fast !== undefined) expect(fast, text).toEqual(positioned(text));
      }
    }
  });

  it('reads a topics file as the positioned parse does, and leaves to it what it might read differently', () => {
    const topics = 'topics:\n  - name: orders\n    partitions: 3\n    config:\n      retention.ms: 86400000\n      cleanup.policy: "compact,delete"\n---\n';
    expect(parseWithoutPositions(topics)).toEqual([{ topics: [{ name: 'orders', partitions: 3, config: { 'retention.ms': 86400000, 'cleanup.policy': 'compact,delete' } }] }, null]);
    for (const text of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', '<<: {a: 1}\n', '%YAML 1.1\n---\na: yes\n', '~: 1\n', 'a: 1\na: 2\n', 'a: [1\n']) {
      expect(parseWithoutPositions(text), text).toBeUndefined();
    }
  });

  it('still points at the line and column of a problem found after the fast parse', () => {
    const [doc] = parseYamlDocuments('topics.yaml', 'topics:\n  - name: orders\n    partitions: 3\n');
    expect(doc!.value).toEqual({ topics: [{ name: 'orders', partitions: 3 }] });
    expect(doc!.locate(['topics', 0, 'partitions'])).toBe('topics.yaml:3:17');
    expect(() => parseYamlFile('synchook.yaml', 'cluster:\n  __proto__: 1\n')).toThrow(/synchook\.yaml:2:3: the key cluster\.__proto__ is not allowed/);
    expect(() => parseYamlDocuments('topics.yaml', 'topics:\n  - name: a\n  - name: b\n    name: c\n')).toThrow(/topics\.yaml:4:5/);
  });
});
