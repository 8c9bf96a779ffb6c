import { z } from 'zod';

// The Kafka bindings as the AsyncAPI bindings repository defines them (kafka/0.5.0 channel.json,
// operation.json and message.json, shipped in @asyncapi/specs under bindings/kafka/); the parser
// does not check bindings, so synchook does. Earlier binding versions have a subset of these fields.

const Extension = z.string().regex(/^x-[\w.\x2d_]+$/);

/** A binding object: its own keys, plus x- extensions (additionalProperties: false). */
function bindingObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.object(shape).catchall(z.unknown()).superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!(key in shape) && !Extension.safeParse(key).success) ctx.addIssue({ code: 'custom', path: [key], message: `is not a field of the Kafka binding (known: ${Object.keys(shape).join(', ')})` });
    }
  });
}

const BindingVersion = z.enum(['0.1.0', '0.3.0', '0.4.0', '0.5.0'], { error: 'expected a Kafka binding version: 0.1.0, 0.3.0, 0.4.0 or 0.5.0' }).optional();
const SchemaObject = z.record(z.string(), z.unknown(), { error: 'expected a schema object' });

export const KafkaChannelBinding = bindingObject({
  topic: z.string({ error: 'expected the topic name as a string' }).min(1, { error: 'must not be empty' }).optional(),
  partitions: z.int({ error: 'expected a whole number of partitions' }).min(1, { error: 'must be at least 1' }).optional(),
  replicas: z.int({ error: 'expected a whole number of replicas' }).min(1, { error: 'must be at least 1' }).optional(),
  topicConfiguration: z
    .object({
      'cleanup.policy': z.array(z.enum(['compact', 'delete'], { error: 'expected compact or delete' }), { error: 'expected a list: [delete], [compact] or [compact, delete]' }).optional(),
      'retention.ms': z.int({ error: 'expected a whole number of milliseconds' }).min(-1, { error: 'must be -1 (unlimited) or more' }).optional(),
      'retention.bytes': z.int({ error: 'expected a whole number of bytes' }).min(-1, { error: 'must be -1 (unlimited) or more' }).optional(),
      'delete.retention.ms': z.int({ error: 'expected a whole number of milliseconds' }).min(0, { error: 'must be 0 or more' }).optional(),
      'max.message.bytes': z.int({ error: 'expected a whole number of bytes' }).min(0, { error: 'must be 0 or more' }).optional(),
      'confluent.key.schema.validation': z.boolean({ error: 'expected true or false' }).optional(),
      'confluent.key.subject.name.strategy': z.string({ error: 'expected a strategy name' }).optional(),
      'confluent.value.schema.validation': z.boolean({ error: 'expected true or false' }).optional(),
      'confluent.value.subject.name.strategy': z.string({ error: 'expected a strategy name' }).optional(),
    })
    .catchall(z.unknown())
    .optional(),
  bindingVersion: BindingVersion,
});
export type KafkaChannelBinding = z.output<typeof KafkaChannelBinding>;

export const KafkaOperationBinding = bindingObject({
  groupId: SchemaObject.optional(),
  clientId: SchemaObject.optional(),
  bindingVersion: BindingVersion,
});
export type KafkaOperationBinding = z.output<typeof KafkaOperationBinding>;

export const KafkaMessageBinding = bindingObject({
  key: z.unknown().optional(),
  schemaIdLocation: z.enum(['header', 'payload'], { error: 'expected header or payload' }).optional(),
  schemaIdPayloadEncoding: z.string({ error: 'expected a string' }).optional(),
  schemaLookupStrategy: z.string({ error: 'expected a strategy name' }).optional(),
  bindingVersion: BindingVersion,
});
export type KafkaMessageBinding = z.output<typeof KafkaMessageBinding>;
