/**
 * The flexible encoding of Kafka's newer requests (KIP-482: compact strings and arrays, tagged
 * fields), on top of kafkajs's Encoder and Decoder, which have the varint primitives but no
 * flexible request headers.
 *
 * A flexible request has header v2: header v1 (api key, version, correlation id, client id) plus a
 * tagged-field section. kafkajs writes header v1 and then the body, so a body that starts with an
 * empty tagged-field section (one 0 byte) makes the header v2 on the wire. A flexible response
 * has header v1: the correlation id (kafkajs reads it) and a tagged-field section, which the
 * decoder here skips before the body. ApiVersions is the one exception to these header rules, and
 * synchook does not send it through here.
 *
 * Sources: the protocol guide's "Request Header" / "Response Header" and "Protocol Primitive
 * Types" (COMPACT_STRING, COMPACT_ARRAY, TAGGED_FIELDS), and KIP-482.
 */
import { Decoder, Encoder, type ProtocolDecoder, type ProtocolEncoder, type ProtocolRequest } from './protocol.js';

/** An empty tagged-field section: zero fields. */
export function writeNoTags(encoder: ProtocolEncoder): ProtocolEncoder {
  return encoder.writeUVarInt(0);
}

/** COMPACT_ARRAY (or COMPACT_NULLABLE array when `items` is null) of structs written by `write`; each struct ends with its own tags. */
export function writeCompactArray<T>(encoder: ProtocolEncoder, items: readonly T[] | null, write: (encoder: ProtocolEncoder, item: T) => void): ProtocolEncoder {
  if (items === null) return encoder.writeUVarInt(0);
  encoder.writeUVarInt(items.length + 1);
  for (const item of items) write(encoder, item);
  return encoder;
}

export function writeCompactInt32s(encoder: ProtocolEncoder, values: readonly number[] | null): ProtocolEncoder {
  return writeCompactArray(encoder, values, (inner, value) => inner.writeInt32(value));
}

/** A struct of a compact array: the fields read by `read`, then its tagged fields. */
export function readCompactStructs<T>(decoder: ProtocolDecoder, read: (decoder: ProtocolDecoder) => T): T[] {
  return (
    decoder.readUVarIntArray((item) => {
      const value = read(item);
      item.readTaggedFields();
      return value;
    }) ?? []
  );
}

export function readCompactInt32s(decoder: ProtocolDecoder): number[] {
  return decoder.readUVarIntArray((item) => item.readInt32()) ?? [];
}

/**
 * A flexible request for kafkajs's connection: `writeBody` writes the body's fields (the request's
 * own trailing tags included), `readBody` reads the response body after the response header's tags.
 */
export function flexibleRequest<Response>(input: {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  writeBody: (encoder: ProtocolEncoder) => void;
  readBody: (decoder: ProtocolDecoder) => Response;
  /** Where the response carries throttle_time_ms, for kafkajs's client-side throttling (KIP-219). */
  throttleTime?: (response: Response) => number;
}): ProtocolRequest<Response> {
  return {
    request: {
      apiKey: input.apiKey,
      apiVersion: input.apiVersion,
      apiName: input.apiName,
      encode: async () => {
        const encoder = writeNoTags(new Encoder());
        input.writeBody(encoder);
        return encoder;
      },
    },
    response: {
      decode: async (raw: Buffer) => {
        const decoder = new Decoder(raw);
        decoder.readTaggedFields();
        const body = input.readBody(decoder);
        const throttleTime = input.throttleTime?.(body) ?? 0;
        return Object.assign(body as object, { throttleTime, clientSideThrottleTime: throttleTime }) as Response;
      },
      parse: async (decoded: Response) => decoded,
    },
  };
}
