/**
 * DescribeClientQuotas (API key 48) and AlterClientQuotas (API key 49), KIP-546, Kafka ≥ 2.6;
 * kafkajs lacks both. Version 0 of each is the last one before the flexible (compact, tagged-field)
 * encoding that kafkajs 2.2 cannot send; Kafka 4.x still accepts it (KIP-896 removed only versions
 * older than Kafka 2.1's).
 *
 * Layouts from Kafka's clients/src/main/resources/common/message/DescribeClientQuotasRequest.json,
 * DescribeClientQuotasResponse.json, AlterClientQuotasRequest.json and AlterClientQuotasResponse.json:
 *
 *   DescribeClientQuotas Request (Version: 0) => [components] strict
 *     components => entity_type match_type match
 *       entity_type => STRING
 *       match_type => INT8            (0 exact name, 1 the default entity, 2 any entity)
 *       match => NULLABLE_STRING
 *     strict => BOOLEAN              (false: also entities with other entity types than those named)
 *
 *   DescribeClientQuotas Response (Version: 0) => throttle_time_ms error_code error_message [entries]
 *     entries (nullable) => [entity] [values]
 *       entity => entity_type entity_name
 *         entity_type => STRING
 *         entity_name => NULLABLE_STRING   (null: the default entity of that type)
 *       values => key value
 *         key => STRING
 *         value => FLOAT64
 *
 *   AlterClientQuotas Request (Version: 0) => [entries] validate_only
 *     entries => [entity] [ops]
 *       entity => entity_type entity_name (as above)
 *       ops => key value remove
 *         key => STRING
 *         value => FLOAT64
 *         remove => BOOLEAN
 *     validate_only => BOOLEAN
 *
 *   AlterClientQuotas Response (Version: 0) => throttle_time_ms [entries]
 *     entries => error_code error_message [entity]
 */
import { Decoder, Encoder, type ProtocolDecoder, type ProtocolEncoder, type ProtocolRequest, type RequestDefinition } from './protocol.js';

export const DESCRIBE_CLIENT_QUOTAS_API_KEY = 48;
export const ALTER_CLIENT_QUOTAS_API_KEY = 49;

/** Entity types of client quotas (Kafka's ClientQuotaEntity: USER, CLIENT_ID, IP). */
type QuotaEntityType = 'user' | 'client-id' | 'ip';

/** One component of a quota entity; `name: null` is the default entity of that type. */
export interface QuotaEntityPart {
  entityType: QuotaEntityType | string;
  entityName: string | null;
}

export interface DescribeClientQuotasArgs {
  components: Array<{ entityType: string; matchType: 0 | 1 | 2; match: string | null }>;
  strict: boolean;
}

export interface DescribeClientQuotasResponse {
  throttleTime: number;
  clientSideThrottleTime: number;
  errorCode: number;
  errorMessage: string | null;
  entries: Array<{ entity: QuotaEntityPart[]; values: Array<{ key: string; value: number }> }>;
}

export interface AlterClientQuotasArgs {
  entries: Array<{ entity: QuotaEntityPart[]; ops: Array<{ key: string; value: number; remove: boolean }> }>;
  validateOnly: boolean;
}

export interface AlterClientQuotasResponse {
  throttleTime: number;
  clientSideThrottleTime: number;
  entries: Array<{ errorCode: number; errorMessage: string | null; entity: QuotaEntityPart[] }>;
}

function encodeEntity(entity: QuotaEntityPart[]): ProtocolEncoder {
  return new Encoder().writeArray(entity.map((part) => new Encoder().writeString(part.entityType).writeString(part.entityName)));
}

function readEntity(decoder: ProtocolDecoder): QuotaEntityPart[] {
  return decoder.readArray((part) => ({ entityType: part.readString() ?? '', entityName: part.readString() }));
}

function describeV0({ components, strict }: DescribeClientQuotasArgs): ProtocolRequest<DescribeClientQuotasResponse> {
  return {
    request: {
      apiKey: DESCRIBE_CLIENT_QUOTAS_API_KEY,
      apiVersion: 0,
      apiName: 'DescribeClientQuotas',
      encode: async () =>
        new Encoder()
          .writeArray(components.map((component) => new Encoder().writeString(component.entityType).writeInt8(component.matchType).writeString(component.match)))
          .writeBoolean(strict),
    },
    response: {
      decode: async (raw: Buffer) => {
        const decoder = new Decoder(raw);
        const throttleTime = decoder.readInt32();
        const errorCode = decoder.readInt16();
        const errorMessage = decoder.readString();
        // A nullable array: length -1 (null) when the request failed as a whole.
        const entries = decoder.readArray((entry) => ({
          entity: readEntity(entry),
          values: entry.readArray((value) => ({ key: value.readString() ?? '', value: value.readDouble() })),
        }));
        // The API postdates KIP-219: the broker answers before throttling and the client waits.
        return { throttleTime, clientSideThrottleTime: throttleTime, errorCode, errorMessage, entries: entries ?? [] };
      },
      parse: async (decoded: DescribeClientQuotasResponse) => decoded,
    },
  };
}

function alterV0({ entries, validateOnly }: AlterClientQuotasArgs): ProtocolRequest<AlterClientQuotasResponse> {
  return {
    request: {
      apiKey: ALTER_CLIENT_QUOTAS_API_KEY,
      apiVersion: 0,
      apiName: 'AlterClientQuotas',
      encode: async () =>
        new Encoder()
          .writeArray(
            entries.map((entry) =>
              new Encoder()
                .writeEncoder(encodeEntity(entry.entity))
                .writeArray(entry.ops.map((op) => new Encoder().writeString(op.key).writeDouble(op.value).writeBoolean(op.remove))),
            ),
          )
          .writeBoolean(validateOnly),
    },
    response: {
      decode: async (raw: Buffer) => {
        const decoder = new Decoder(raw);
        const throttleTime = decoder.readInt32();
        const responses = decoder.readArray((entry) => ({ errorCode: entry.readInt16(), errorMessage: entry.readString(), entity: readEntity(entry) }));
        return { throttleTime, clientSideThrottleTime: throttleTime, entries: responses };
      },
      parse: async (decoded: AlterClientQuotasResponse) => decoded,
    },
  };
}

export const DescribeClientQuotas: RequestDefinition<DescribeClientQuotasArgs, DescribeClientQuotasResponse> = {
  versions: ['0'],
  protocol: ({ version }) => {
    if (version !== 0) throw new Error(`DescribeClientQuotas v${version} is not implemented`);
    return describeV0;
  },
};

export const AlterClientQuotas: RequestDefinition<AlterClientQuotasArgs, AlterClientQuotasResponse> = {
  versions: ['0'],
  protocol: ({ version }) => {
    if (version !== 0) throw new Error(`AlterClientQuotas v${version} is not implemented`);
    return alterV0;
  },
};
