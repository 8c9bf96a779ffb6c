import protobuf from 'protobufjs';

/**
 * Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then the
 * encoded record. Protobuf adds, between the id and the record, the "message indexes": the path
 * of the message type within its file as zigzag varints (a count, then the indexes), with [0]
 * (the first top-level message) written as a single 0 byte.
 * Source: Confluent Schema Registry docs, "Wire format" (Formats, Serializers, and Deserializers).
 */
const MAGIC_BYTE = 0;

export interface WireHeader {
  schemaId: number;
  /** Protobuf only: the message indexes. */
  messageIndexes?: number[];
  /** Offset of the encoded record within the buffer. */
  payloadOffset: number;
}

export function wireHeader(schemaId: number, messageIndexes?: number[]): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(MAGIC_BYTE, 0);
  head.writeInt32BE(schemaId, 1);
  return messageIndexes ? Buffer.concat([head, encodeMessageIndexes(messageIndexes)]) : head;
}

export function readWireHeader(buffer: Buffer, protobufIndexes: boolean): WireHeader {
  if (buffer.length < 5) throw new Error(`the value has ${buffer.length} bytes, fewer than the 5 of a Confluent wire-format header`);
  if (buffer.readUInt8(0) !== MAGIC_BYTE) throw new Error(`the value starts with byte ${buffer.readUInt8(0)}, not the magic byte 0 of the Confluent wire format`);
  const schemaId = buffer.readInt32BE(1);
  if (!protobufIndexes) return { schemaId, payloadOffset: 5 };
  const { indexes, offset } = decodeMessageIndexes(buffer, 5);
  return { schemaId, messageIndexes: indexes, payloadOffset: offset };
}

export function encodeMessageIndexes(indexes: number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  return Buffer.from([...zigzagVarint(indexes.length), ...indexes.flatMap((index) => zigzagVarint(index))]);
}

export function decodeMessageIndexes(buffer: Buffer, start: number): { indexes: number[]; offset: number } {
  let offset = start;
  const next = () => {
    const { value, length } = readZigzagVarint(buffer, offset);
    offset += length;
    return value;
  };
  const count = next();
  if (count === 0) return { indexes: [0], offset };
  if (count < 0 || count > 100) throw new Error(`invalid Protobuf message-index count ${count}`);
  const indexes = Array.from({ length: count }, next);
  return { indexes, offset };
}

function zigzagVarint(value: number): number[] {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  const bytes: number[] = [];
  while (zigzag > 0x7f) {
    bytes.push((zigzag & 0x7f) | 0x80);
    zigzag >>>= 7;
  }
  bytes.push(zigzag);
  return bytes;
}

function readZigzagVarint(buffer: Buffer, start: number): { value: number; length: number } {
  let result = 0;
  let shift = 0;
  let length = 0;
  for (;;) {
    if (start + length >= buffer.length) throw new Error('the Protobuf message indexes run past the end of the value');
    const byte = buffer[start + length]!;
    length += 1;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new Error('a Protobuf message index is not a valid varint');
  }
  return { value: (result >>> 1) ^ -(result & 1), length };
}

/**
 * The message indexes of a type: its position among the message types of each enclosing scope
 * (the file's top level, then each parent message), in declaration order.
 */
export function messageIndexes(type: protobuf.Type): number[] {
  const path: number[] = [];
  let current: protobuf.ReflectionObject = type;
  while (current.parent) {
    const parent: protobuf.Namespace = current.parent;
    const siblings: protobuf.ReflectionObject[] = parent.nestedArray.filter((item) => item instanceof protobuf.Type);
    path.unshift(siblings.indexOf(current));
    if (!(parent instanceof protobuf.Type)) break;
    current = parent;
  }
  return path;
}
