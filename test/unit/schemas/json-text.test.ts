import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonWithPositions, stableStringify } from '../../../src/tasks/schemas/json-text.js';

describe('JSON with positions', () => {
  it('locates values by JSON pointer, falling back to the nearest parent', () => {
    const parsed = parseJsonWithPositions('{\n  "type": "record",\n  "fields": [\n    {"name": "a", "type": "nope"}\n  ]\n}');
    expect(parsed.locate('/fields/0/type')).toBe('4:27');
    expect(parsed.locate('/fields/0/missing')).toBe('4:5');
    expect(parsed.locate('')).toBe('1:1');
  });

  it('reports syntax errors with line and column', () => {
    const error = (() => {
      try {
        parseJsonWithPositions('{\n  "a": 1,\n  "b": }\n');
      } catch (caught) {
        return caught as JsonSyntaxError;
      }
      throw new Error('expected a syntax error');
    })();
    expect(error).toBeInstanceOf(JsonSyntaxError);
    expect([error.line, error.col]).toEqual([3, 8]);
  });

  it('refuses duplicate keys, trailing commas and trailing text', () => {
    expect(() => parseJsonWithPositions('{"a": 1, "a": 2}')).toThrow(/duplicate key "a"/);
    expect(() => parseJsonWithPositions('[1, 2,]')).toThrow(/expected a JSON value/);
    expect(() => parseJsonWithPositions('{} x')).toThrow(/after the end/);
    expect(() => parseJsonWithPositions('')).toThrow(/empty/);
  });

  it('parses what JSON.parse parses', () => {
    const text = '{"s": "a\\"b\\u00e9\\n", "n": -1.5e3, "t": true, "f": false, "z": null, "a": [{}, []], "__proto__": 1}';
    expect(parseJsonWithPositions(text).value).toEqual(JSON.parse(text));
  });

  it('serializes independently of key order and whitespace', () => {
    expect(stableStringify({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: 3 } })).toBe(stableStringify(JSON.parse('{ "a": {"c":3, "d": [2, {"x":0,"y":1}]}, "b": 1 }')));
    expect(stableStringify({ z: 1, type: 'x', a: 2 }, ['type'])).toBe('{"type":"x","a":2,"z":1}');
  });
});
