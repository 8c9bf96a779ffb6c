/** What AsyncAPI documents declare, in plain terms the topics, schemas and acls tasks take. */

export type SchemaKind = 'AVRO' | 'JSON' | 'PROTOBUF';

/** Where a declaration comes from: "asyncapi/orders.yaml $.channels.orders". */
type Source = string;

export interface AsyncApiTopic {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  /** topicConfiguration as written (numbers, lists); the topics task turns them into Kafka strings. */
  config: Record<string, unknown>;
  source: Source;
  fieldSources: { partitions?: Source; replicationFactor?: Source; config: Record<string, Source> };
}

export interface AsyncApiSubject {
  subject: string;
  type: SchemaKind;
  /** The schema as registered: JSON text for Avro and JSON Schema, the .proto source for Protobuf. */
  text: string;
  source: Source;
  topic: string;
}

/** One operation as the acls task's application form: produces or consumes its channels' topics. */
export interface AsyncApiApplication {
  principal: string;
  produces: string[];
  consumes: string[];
  groups: string[];
  source: Source;
}

export interface AsyncApiDeclarations {
  topics: AsyncApiTopic[];
  subjects: AsyncApiSubject[];
  applications: AsyncApiApplication[];
  /** The documents read, as shown to the user. */
  documents: string[];
  warnings: string[];
}
