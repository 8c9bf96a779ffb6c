import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeMessageIndexes, encodeMessageIndexes, messageIndexes, readWireHeader, wireHeader } from '../../../src/tasks/smoke/wire.js';

describe('Confluent wire format', () => {
  it('writes the magic byte and the schema id big-endian', () => {
    expect([...wireHeader(258)]).toEqual([0, 0, 0, 1, 2]);
    expect(readWireHeader(Buffer.concat([wireHeader(70_000), Buffer.from('x')]), false)).toEqual({ schemaId: 70_000, payloadOffset: 5 });
  });

  it('refuses values that are not in the wire format', () => {
    expect(() => readWireHeader(Buffer.from([1, 0, 0, 0, 1, 9]), false)).toThrow('not the magic byte 0');
    expect(() => readWireHeader(Buffer.from([0, 0]), false)).toThrow('fewer than the 5 of a Confluent wire-format header');
  });

  it('writes Protobuf message indexes as zigzag varints, [0] as one 0 byte', () => {
    expect([...encodeMessageIndexes([0])]).toEqual([0]);
    expect([...encodeMessageIndexes([1])]).toEqual([2, 2]);
    expect([...encodeMessageIndexes([1, 0])]).toEqual([4, 2, 0]);
    expect([...encodeMessageIndexes([70])]).toEqual([2, 0x8c, 0x01]);
    for (const indexes of [[0], [1], [3, 2, 1], [70, 0]]) {
      expect(decodeMessageIndexes(Buffer.concat([encodeMessageIndexes(indexes), Buffer.from([0xff])]), 0)).toEqual({ indexes, offset: encodeMessageIndexes(indexes).length });
    }
  });

  it('reads the header of a Protobuf value, indexes included', () => {
    const value = Buffer.concat([wireHeader(7, [1, 0]), Buffer.from([0x0a, 0x01, 0x41])]);
    expect(readWireHeader(value, true)).toEqual({ schemaId: 7, messageIndexes: [1, 0], payloadOffset: 8 });
  });

  it('finds the index path of top-level and nested message types, skipping enums', () => {
    const { root } = protobuf.parse('syntax = "proto3"; package a.b; enum E { X = 0; } message First { message Inner { } message Other { } } message Second { }');
    expect(messageIndexes(root.lookupType('a.b.First'))).toEqual([0]);
    expect(messageIndexes(root.lookupType('a.b.Second'))).toEqual([1]);
    expect(messageIndexes(root.lookupType('a.b.First.Other'))).toEqual([0, 1]);
  });
});
