/**
 * The parts of kafkajs's protocol layer synchook builds on: its Cluster (connections, SASL, TLS,
 * API version negotiation, the same settings as the Kafka instance), its Encoder/Decoder and its
 * error table. kafkajs exposes none of them in its typings, so they are typed here, narrowly.
 * The paths are those of kafkajs 2.2.x (node_modules/kafkajs/src).
 */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';

const requireKafkajs = createRequire(import.meta.url);

export interface ProtocolEncoder {
  writeInt8(value: number): ProtocolEncoder;
  writeInt16(value: number): ProtocolEncoder;
  writeInt32(value: number): ProtocolEncoder;
  writeDouble(value: number): ProtocolEncoder;
  writeBoolean(value: boolean): ProtocolEncoder;
  writeString(value: string | null): ProtocolEncoder;
  writeArray(items: ProtocolEncoder[]): ProtocolEncoder;
  /** Appends another encoder's bytes as they are (a struct inside a struct). */
  writeEncoder(value: ProtocolEncoder): ProtocolEncoder;
  /** Unsigned varint (the length prefix of the flexible versions' compact types). */
  writeUVarInt(value: number): ProtocolEncoder;
  /** COMPACT_NULLABLE_STRING: length + 1 as an unsigned varint, 0 for null. */
  writeUVarIntString(value: string | null): ProtocolEncoder;
}

export interface ProtocolDecoder {
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readDouble(): number;
  readString(): string | null;
  readArray<T>(read: (decoder: ProtocolDecoder) => T): T[];
  readBoolean(): boolean;
  readUVarInt(): number;
  readUVarIntString(): string | null;
  /** COMPACT_ARRAY: null for a null array. */
  readUVarIntArray<T>(read: (decoder: ProtocolDecoder) => T): T[] | null;
  /** Skips a tagged-field section (flexible versions); synchook reads no tagged field. */
  readTaggedFields(): unknown;
}

/** A request as kafkajs's connection sends it: header fields and an encoder, and how to read the answer. */
export interface ProtocolRequest<Response> {
  request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<ProtocolEncoder> };
  response: { decode(raw: Buffer): Promise<Response>; parse(decoded: Response): Promise<Response> };
}

/** A request definition kafkajs's version lookup understands: the versions synchook implements. */
export interface RequestDefinition<Args, Response> {
  versions: string[];
  protocol(options: { version: number }): (args: Args) => ProtocolRequest<Response>;
}

export interface ProtocolBroker {
  nodeId: number | null;
  lookupRequest<Args, Response>(apiKey: number, definition: RequestDefinition<Args, Response>): (args: Args) => ProtocolRequest<Response>;
  connectionPool: { send<Response>(request: ProtocolRequest<Response> & { requestTimeout?: number }): Promise<Response> };
}

export interface ProtocolCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  /** Refreshes only when the metadata is older than metadataMaxAge (or was never loaded). */
  refreshMetadataIfNecessary(): Promise<void>;
  findControllerBroker(): Promise<ProtocolBroker>;
  findBroker(input: { nodeId: number }): Promise<ProtocolBroker>;
  /** Node ids of the brokers in the last metadata. */
  getNodeIds(): number[];
  findGroupCoordinator(input: { groupId: string }): Promise<ProtocolBroker>;
}

export const Encoder = requireKafkajs('kafkajs/src/protocol/encoder') as new () => ProtocolEncoder;
export const Decoder = requireKafkajs('kafkajs/src/protocol/decoder') as new (raw: Buffer) => ProtocolDecoder;

const protocolErrors = requireKafkajs('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error & { type: string; code: number; retriable: boolean };
};
const kafkajsRequests = requireKafkajs('kafkajs/src/protocol/requests') as { requests: Record<string, RequestDefinition<unknown, unknown>> };

/** kafkajs's own definition of a request it implements (Metadata, CreateTopics, ...). */
export function kafkajsRequest<Args, Response>(name: string): RequestDefinition<Args, Response> {
  const definition = kafkajsRequests.requests[name];
  if (!definition) throw new Error(`kafkajs has no request named ${name}`);
  return definition as RequestDefinition<Args, Response>;
}

/** The protocol error name and kafkajs's description of a Kafka error code (0 is no error). */
export function protocolError(code: number): { type: string; message: string; retriable: boolean } {
  const error = protocolErrors.createErrorFromCode(code);
  return { type: error.type, message: error.message, retriable: error.retriable };
}

/** kafkajs's own error for a Kafka error code (a KafkaJSProtocolError carrying type, code and retriable). */
export function protocolErrorInstance(code: number): Error & { type: string; code: number; retriable: boolean } {
  return protocolErrors.createErrorFromCode(code);
}

/**
 * kafkajs's own error for a protocol error code (a KafkaJSProtocolError with its type and
 * retriability), so a whole-request error of a request synchook sends itself classifies like one
 * kafkajs raised; the broker's message replaces the generic one when there is one.
 */
export function protocolErrorFor(code: number, brokerMessage?: string | null): Error {
  const error = protocolErrors.createErrorFromCode(code);
  if (brokerMessage) error.message = brokerMessage;
  return error;
}

/**
 * A kafkajs Cluster made with the Kafka instance's own settings (brokers, TLS, SASL, timeouts,
 * retries), the same way kafka.admin() makes one. Auto-creation stays off: asking for the metadata
 * of a topic that does not exist must never create it.
 */
export function createProtocolCluster(kafka: Kafka): ProtocolCluster {
  const key = Object.getOwnPropertySymbols(kafka).find((symbol) => symbol.description === 'private:Kafka:createCluster');
  const create = key && (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof create !== 'function') throw new Error('this kafkajs version does not make clusters the way synchook expects (kafkajs 2.2.x)');
  return create({ metadataMaxAge: 300_000, allowAutoTopicCreation: false }) as ProtocolCluster;
}

/**
 * Sends a request and returns the decoded answer as the broker sent it, per-item error codes
 * included: kafkajs's parse step would throw on the first item with an error and drop the rest.
 */
export function sendUnparsed<Response>(broker: ProtocolBroker, request: ProtocolRequest<Response>, requestTimeout?: number): Promise<Response> {
  return broker.connectionPool.send({ ...request, response: { ...request.response, parse: async (decoded: Response) => decoded }, ...(requestTimeout ? { requestTimeout } : {}) });
}
