import { z } from 'zod';
import { FilePath, NonEmptyString } from './common.js';

const ParameterValues = z
  .array(NonEmptyString, { error: 'expected a list of values, e.g. ["1", "2"]' })
  .min(1, { error: 'list at least one value' })
  .meta({ description: 'The values of one channel-address parameter: one topic per value.' });

const AsyncApiDocument = z.strictObject({
  file: FilePath.meta({ description: 'The AsyncAPI document (2.6 or 3.x, YAML or JSON), relative to the config file.' }),
  principal: NonEmptyString.regex(/^[A-Za-z][A-Za-z0-9]*:.+$/, { message: 'write the principal as Type:name, e.g. User:orders-app' })
    .optional()
    .meta({ description: "The Kafka principal of the document's application (User:orders-app); overrides the document's x-synchook-principal. Without either, no ACLs come from the document." }),
  parameters: z
    .record(NonEmptyString, ParameterValues)
    .default({})
    .meta({ description: 'Values of the channel-address parameters ({streetlightId}); a parameter without values here uses its enum in the document, else the channel is refused.' }),
});

export const AsyncApiSection = z
  .strictObject({
    documents: z.array(AsyncApiDocument).min(1, { error: 'list at least one document' }).meta({ description: 'The AsyncAPI documents; each declares topics (channels), subjects (messages) and application ACLs (operations) once for the topics, schemas and acls sections.' }),
  })
  .meta({ description: 'AsyncAPI documents as desired state for the topics, schemas and acls tasks.' });
export type AsyncApiSection = z.output<typeof AsyncApiSection>;
export type AsyncApiDocumentConfig = z.output<typeof AsyncApiDocument>;
