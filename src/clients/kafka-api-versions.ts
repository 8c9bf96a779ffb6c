import { createRequire } from 'node:module';
import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import { IncrementalAlterConfigs } from './kafka/incremental-alter-configs.js';

/** The Kafka APIs synchook's tasks send, by protocol key (Kafka protocol guide, "Api Keys"). */
const APIS_USED: ReadonlyArray<{ key: number; name: string; moduleName: string; usedBy: string; ownVersions?: readonly string[] }> = [
  { key: 3, name: 'Metadata', moduleName: 'metadata', usedBy: 'all' },
  { key: 19, name: 'CreateTopics', moduleName: 'createTopics', usedBy: 'topics' },
  { key: 37, name: 'CreatePartitions', moduleName: 'createPartitions', usedBy: 'topics' },
  { key: 32, name: 'DescribeConfigs', moduleName: 'describeConfigs', usedBy: 'topics' },
  // Sent by synchook's own request definition (kafka/incremental-alter-configs.ts); kafkajs lacks it.
  { key: 44, name: 'IncrementalAlterConfigs', moduleName: '', usedBy: 'topics', ownVersions: IncrementalAlterConfigs.versions },
  { key: 20, name: 'DeleteTopics', moduleName: 'deleteTopics', usedBy: 'topics (delete: managed), teardown' },
  { key: 29, name: 'DescribeAcls', moduleName: 'describeAcls', usedBy: 'acls' },
  { key: 30, name: 'CreateAcls', moduleName: 'createAcls', usedBy: 'acls' },
  { key: 31, name: 'DeleteAcls', moduleName: 'deleteAcls', usedBy: 'acls' },
  { key: 0, name: 'Produce', moduleName: 'produce', usedBy: 'smoke' },
  { key: 1, name: 'Fetch', moduleName: 'fetch', usedBy: 'smoke' },
  { key: 2, name: 'ListOffsets', moduleName: 'listOffsets', usedBy: 'smoke, health' },
  { key: 9, name: 'OffsetFetch', moduleName: 'offsetFetch', usedBy: 'health' },
  { key: 15, name: 'DescribeGroups', moduleName: 'describeGroups', usedBy: 'health' },
  { key: 42, name: 'DeleteGroups', moduleName: 'deleteGroups', usedBy: 'smoke' },
];

/**
 * APIs behind cluster operations a task may need when configured (reassignments, users, quotas,
 * KIP-848 group health), by protocol key (Kafka protocol guide, "Api Keys"). Doctor reports
 * whether the broker supports each; a missing one is not a failure, since only the feature that
 * uses it needs it.
 */
const CLUSTER_OPERATION_APIS: ReadonlyArray<{ key: number; name: string; needs: string }> = [
  { key: 44, name: 'IncrementalAlterConfigs', needs: 'Kafka 2.3' },
  { key: 45, name: 'AlterPartitionReassignments', needs: 'Kafka 2.4' },
  { key: 46, name: 'ListPartitionReassignments', needs: 'Kafka 2.4' },
  { key: 48, name: 'DescribeClientQuotas', needs: 'Kafka 2.6' },
  { key: 49, name: 'AlterClientQuotas', needs: 'Kafka 2.6' },
  { key: 50, name: 'DescribeUserScramCredentials', needs: 'Kafka 2.7' },
  { key: 51, name: 'AlterUserScramCredentials', needs: 'Kafka 2.7' },
  { key: 69, name: 'ConsumerGroupDescribe', needs: 'Kafka 4.0 (KIP-848)' },
];

export interface OperationApiSupport {
  key: number;
  name: string;
  /** The broker's version range; undefined when the broker does not offer the API. */
  broker?: { min: number; max: number };
  needs: string;
}

export function operationApiSupport(brokerRanges: readonly ApiVersionRange[]): OperationApiSupport[] {
  return CLUSTER_OPERATION_APIS.map((api) => {
    const range = brokerRanges.find((item) => item.key === api.key);
    return { key: api.key, name: api.name, needs: api.needs, ...(range ? { broker: { min: range.min, max: range.max } } : {}) };
  });
}

export interface ApiVersionRange {
  key: number;
  min: number;
  max: number;
}

export interface ApiSupport {
  name: string;
  usedBy: string;
  broker?: { min: number; max: number };
  client: { min: number; max: number };
  /** The version kafkajs will use, or undefined when broker and client share none. */
  negotiated?: number;
}

const requireHere = createRequire(import.meta.url);

/** Versions kafkajs can speak for an API (from its protocol tables). */
function clientVersions(moduleName: string): { min: number; max: number } {
  const definitions = requireHere(`kafkajs/src/protocol/requests/${moduleName}/index.js`) as { versions: string[] };
  const versions = definitions.versions.map(Number);
  return { min: Math.min(...versions), max: Math.max(...versions) };
}

export function compareApiSupport(brokerRanges: readonly ApiVersionRange[]): ApiSupport[] {
  return APIS_USED.map((api) => {
    const client = api.ownVersions ? { min: Math.min(...api.ownVersions.map(Number)), max: Math.max(...api.ownVersions.map(Number)) } : clientVersions(api.moduleName);
    const range = brokerRanges.find((item) => item.key === api.key);
    const broker = range ? { min: range.min, max: range.max } : undefined;
    const high = broker ? Math.min(broker.max, client.max) : -1;
    const negotiated = broker && high >= Math.max(broker.min, client.min) ? high : undefined;
    return { name: api.name, usedBy: api.usedBy, broker, client, negotiated };
  });
}

/**
 * Sends one ApiVersions v0 request. Brokers answer it before SASL authentication (KIP-35), so this
 * works with the same address and TLS settings as the real client, without credentials.
 */
export function fetchApiVersions(address: string, options: { tls?: ConnectionOptions; timeoutMs: number; clientId: string }): Promise<ApiVersionRange[]> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = options.tls
      ? tls.connect({ ...options.tls, host, port, servername: options.tls.servername ?? (net.isIP(host) ? undefined : host) })
      : net.connect({ host, port });
    const timer = setTimeout(() => finish(new Error(`no ApiVersions answer from ${address} within ${options.timeoutMs} ms`)), options.timeoutMs);
    let buffer = Buffer.alloc(0);
    const finish = (error?: Error, result?: ApiVersionRange[]) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    socket.once('error', (error) => finish(error));
    socket.once(options.tls ? 'secureConnect' : 'connect', () => socket.write(encodeApiVersionsRequest(options.clientId)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 4) return;
      const size = buffer.readInt32BE(0);
      if (buffer.length < 4 + size) return;
      try {
        finish(undefined, decodeApiVersionsResponse(buffer.subarray(4, 4 + size)));
      } catch (error) {
        finish(error as Error);
      }
    });
  });
}

const CORRELATION_ID = 1;

function encodeApiVersionsRequest(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + id.length);
  let offset = body.writeInt16BE(18, 0); // api key: ApiVersions
  offset = body.writeInt16BE(0, offset); // api version 0
  offset = body.writeInt32BE(CORRELATION_ID, offset);
  offset = body.writeInt16BE(id.length, offset);
  id.copy(body, offset);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

function decodeApiVersionsResponse(frame: Buffer): ApiVersionRange[] {
  let offset = 0;
  const correlationId = frame.readInt32BE(offset);
  offset += 4;
  if (correlationId !== CORRELATION_ID) throw new Error(`unexpected correlation id ${correlationId} in ApiVersions response`);
  const errorCode = frame.readInt16BE(offset);
  offset += 2;
  const count = frame.readInt32BE(offset);
  offset += 4;
  // A broker that does not support v0 answers UNSUPPORTED_VERSION (35) with its own ranges anyway.
  if (errorCode !== 0 && errorCode !== 35) throw new Error(`ApiVersions answered error code ${errorCode}`);
  const ranges: ApiVersionRange[] = [];
  for (let index = 0; index < count; index += 1) {
    ranges.push({ key: frame.readInt16BE(offset), min: frame.readInt16BE(offset + 2), max: frame.readInt16BE(offset + 4) });
    offset += 6;
  }
  return ranges;
}
