/**
 * AlterPartitionReassignments (API key 45) and ListPartitionReassignments (API key 46), KIP-455,
 * Kafka ≥ 2.4, which kafkajs lacks. Both exist only in the flexible encoding (see flexible.ts).
 *
 * Layouts from Kafka's clients/src/main/resources/common/message/*.json, "flexibleVersions": "0+".
 * AlterPartitionReassignments has valid versions 0 (3.x) and 0-1 (4.1 and later, where v1 adds
 * AllowReplicationFactorChange, KIP-860, default true); v0 always allows a change of the replica
 * count, which is what synchook asks for, so v0 is implemented. ListPartitionReassignments is v0 only.
 *
 *   AlterPartitionReassignments Request (Version: 0) => timeout_ms [topics] _tagged_fields
 *     topics => name [partitions] _tagged_fields
 *       name => COMPACT_STRING
 *       partitions => partition_index [replicas] _tagged_fields
 *         partition_index => INT32
 *         replicas => COMPACT_NULLABLE_ARRAY of INT32   (null cancels a pending reassignment)
 *
 *   AlterPartitionReassignments Response (Version: 0) => throttle_time_ms error_code error_message [responses] _tagged_fields
 *     error_code => INT16; error_message => COMPACT_NULLABLE_STRING
 *     responses => name [partitions] _tagged_fields
 *       partitions => partition_index error_code error_message _tagged_fields
 *
 *   ListPartitionReassignments Request (Version: 0) => timeout_ms [topics] _tagged_fields
 *     topics => name [partition_indexes] _tagged_fields   (COMPACT_NULLABLE_ARRAY: null lists every reassignment)
 *
 *   ListPartitionReassignments Response (Version: 0) => throttle_time_ms error_code error_message [topics] _tagged_fields
 *     topics => name [partitions] _tagged_fields
 *       partitions => partition_index [replicas] [adding_replicas] [removing_replicas] _tagged_fields
 */
import { flexibleRequest, readCompactInt32s, readCompactStructs, writeCompactArray, writeCompactInt32s, writeNoTags } from './flexible.js';
import type { ProtocolDecoder, RequestDefinition } from './protocol.js';

export const ALTER_PARTITION_REASSIGNMENTS_API_KEY = 45;
export const LIST_PARTITION_REASSIGNMENTS_API_KEY = 46;

interface ReassignmentTopicRequest {
  name: string;
  /** `replicas: null` cancels the partition's pending reassignment. */
  partitions: Array<{ partition: number; replicas: number[] | null }>;
}

export interface AlterPartitionReassignmentsArgs {
  timeoutMs: number;
  topics: ReassignmentTopicRequest[];
}

export interface AlterPartitionReassignmentsResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  responses: Array<{ name: string; partitions: Array<{ partition: number; errorCode: number; errorMessage: string | null }> }>;
}

export interface ListPartitionReassignmentsArgs {
  timeoutMs: number;
  /** null: every ongoing reassignment of the cluster. */
  topics: Array<{ name: string; partitions: number[] }> | null;
}

export interface OngoingPartitionReassignment {
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface ListPartitionReassignmentsResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  topics: Array<{ name: string; partitions: OngoingPartitionReassignment[] }>;
}

function readTopLevel(decoder: ProtocolDecoder): { throttleTimeMs: number; errorCode: number; errorMessage: string | null } {
  return { throttleTimeMs: decoder.readInt32(), errorCode: decoder.readInt16(), errorMessage: decoder.readUVarIntString() };
}

export const AlterPartitionReassignments: RequestDefinition<AlterPartitionReassignmentsArgs, AlterPartitionReassignmentsResponse> = {
  versions: ['0'],
  protocol: ({ version }) => {
    if (version !== 0) throw new Error(`AlterPartitionReassignments v${version} is not implemented`);
    return ({ timeoutMs, topics }) =>
      flexibleRequest({
        apiKey: ALTER_PARTITION_REASSIGNMENTS_API_KEY,
        apiVersion: 0,
        apiName: 'AlterPartitionReassignments',
        writeBody: (encoder) => {
          encoder.writeInt32(timeoutMs);
          writeCompactArray(encoder, topics, (topicEncoder, topic) => {
            topicEncoder.writeUVarIntString(topic.name);
            writeCompactArray(topicEncoder, topic.partitions, (partitionEncoder, partition) => {
              partitionEncoder.writeInt32(partition.partition);
              writeCompactInt32s(partitionEncoder, partition.replicas);
              writeNoTags(partitionEncoder);
            });
            writeNoTags(topicEncoder);
          });
          writeNoTags(encoder);
        },
        readBody: (decoder) => ({
          ...readTopLevel(decoder),
          responses: readCompactStructs(decoder, (topic) => ({
            name: topic.readUVarIntString() ?? '',
            partitions: readCompactStructs(topic, (partition) => ({ partition: partition.readInt32(), errorCode: partition.readInt16(), errorMessage: partition.readUVarIntString() })),
          })),
        }),
        throttleTime: (response) => response.throttleTimeMs,
      });
  },
};

export const ListPartitionReassignments: RequestDefinition<ListPartitionReassignmentsArgs, ListPartitionReassignmentsResponse> = {
  versions: ['0'],
  protocol: ({ version }) => {
    if (version !== 0) throw new Error(`ListPartitionReassignments v${version} is not implemented`);
    return ({ timeoutMs, topics }) =>
      flexibleRequest({
        apiKey: LIST_PARTITION_REASSIGNMENTS_API_KEY,
        apiVersion: 0,
        apiName: 'ListPartitionReassignments',
        writeBody: (encoder) => {
          encoder.writeInt32(timeoutMs);
          writeCompactArray(encoder, topics, (topicEncoder, topic) => {
            topicEncoder.writeUVarIntString(topic.name);
            writeCompactInt32s(topicEncoder, topic.partitions);
            writeNoTags(topicEncoder);
          });
          writeNoTags(encoder);
        },
        readBody: (decoder) => ({
          ...readTopLevel(decoder),
          topics: readCompactStructs(decoder, (topic) => ({
            name: topic.readUVarIntString() ?? '',
            partitions: readCompactStructs(topic, (partition) => ({
              partition: partition.readInt32(),
              replicas: readCompactInt32s(partition),
              addingReplicas: readCompactInt32s(partition),
              removingReplicas: readCompactInt32s(partition),
            })),
          })),
        }),
        throttleTime: (response) => response.throttleTimeMs,
      });
  },
};
