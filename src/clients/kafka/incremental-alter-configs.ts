/**
 * IncrementalAlterConfigs (API key 44, KIP-339, Kafka ≥ 2.3), which kafkajs lacks. Unlike
 * AlterConfigs it changes only the keys it names, so keys set on a resource by anyone else survive.
 *
 * Layout from Kafka's clients/src/main/resources/common/message/IncrementalAlterConfigsRequest.json
 * and IncrementalAlterConfigsResponse.json: valid versions 0-1, where v1 only switches to the
 * flexible (compact, tagged-field) encoding. kafkajs 2.2 cannot send flexible request headers, so
 * v0 is implemented; Kafka 4.x still accepts it (KIP-896 removed only versions older than 2.1's).
 *
 *   IncrementalAlterConfigs Request (Version: 0) => [resources] validate_only
 *     resources => resource_type resource_name [configs]
 *       resource_type => INT8
 *       resource_name => STRING
 *       configs => name config_operation value
 *         name => STRING
 *         config_operation => INT8      (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)
 *         value => NULLABLE_STRING
 *     validate_only => BOOLEAN
 *
 *   IncrementalAlterConfigs Response (Version: 0) => throttle_time_ms [responses]
 *     throttle_time_ms => INT32
 *     responses => error_code error_message resource_type resource_name
 *       error_code => INT16
 *       error_message => NULLABLE_STRING
 *       resource_type => INT8
 *       resource_name => STRING
 */
import { Decoder, Encoder, type ProtocolRequest, type RequestDefinition } from './protocol.js';

export const INCREMENTAL_ALTER_CONFIGS_API_KEY = 44;

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type ConfigOperation = (typeof ConfigOperation)[keyof typeof ConfigOperation];

export interface IncrementalConfigResource {
  /** ConfigResource type: 2 topic, 4 broker (DescribeConfigs / AlterConfigs use the same numbers). */
  resourceType: number;
  resourceName: string;
  configs: Array<{ name: string; operation: ConfigOperation; value: string | null }>;
}

export interface IncrementalAlterConfigsArgs {
  resources: IncrementalConfigResource[];
  validateOnly: boolean;
}

export interface IncrementalAlterConfigsResponse {
  throttleTime: number;
  clientSideThrottleTime: number;
  responses: Array<{ errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }>;
}

function requestV0({ resources, validateOnly }: IncrementalAlterConfigsArgs): ProtocolRequest<IncrementalAlterConfigsResponse> {
  return {
    request: {
      apiKey: INCREMENTAL_ALTER_CONFIGS_API_KEY,
      apiVersion: 0,
      apiName: 'IncrementalAlterConfigs',
      encode: async () =>
        new Encoder()
          .writeArray(
            resources.map((resource) =>
              new Encoder()
                .writeInt8(resource.resourceType)
                .writeString(resource.resourceName)
                .writeArray(resource.configs.map((config) => new Encoder().writeString(config.name).writeInt8(config.operation).writeString(config.value))),
            ),
          )
          .writeBoolean(validateOnly),
    },
    response: {
      decode: async (raw: Buffer) => {
        const decoder = new Decoder(raw);
        const throttleTime = decoder.readInt32();
        const responses = decoder.readArray((item) => ({
          errorCode: item.readInt16(),
          errorMessage: item.readString(),
          resourceType: item.readInt8(),
          resourceName: item.readString() ?? '',
        }));
        // The API postdates KIP-219: the broker answers before throttling and the client waits.
        return { throttleTime, clientSideThrottleTime: throttleTime, responses };
      },
      parse: async (decoded: IncrementalAlterConfigsResponse) => decoded,
    },
  };
}

export const IncrementalAlterConfigs: RequestDefinition<IncrementalAlterConfigsArgs, IncrementalAlterConfigsResponse> = {
  versions: ['0'],
  protocol: ({ version }) => {
    if (version !== 0) throw new Error(`IncrementalAlterConfigs v${version} is not implemented`);
    return requestV0;
  },
};
