import { z } from 'zod';
import { FilePath } from '../../config/common.js';

/** Confluent's compatibility levels (Schema Registry API reference, "Compatibility types"). */
export const COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const CompatibilityLevelSchema = z.enum(COMPATIBILITY_LEVELS, {
  error: `expected one of ${COMPATIBILITY_LEVELS.join(', ')}`,
});

export const SCHEMA_TYPES = ['AVRO', 'JSON', 'PROTOBUF'] as const;
export type SchemaType = (typeof SCHEMA_TYPES)[number];

export const SchemasSection = z.strictObject({
  files: z
    .array(FilePath)
    .min(1, { message: 'name at least one subjects file' })
    .optional()
    .meta({ description: 'Subjects files (YAML) declaring the subjects and their schema files; paths or globs relative to the config file. May be left out when asyncapi.documents declare the subjects.', examples: [['schemas/subjects.yaml']] }),
  compatibility: CompatibilityLevelSchema.optional().meta({
    description:
      "Compatibility level set on every declared subject that does not give its own. Without it (and without a subject's own level) synchook leaves the subject's level as the registry has it. The registry's global level is never changed.",
  }),
  normalize: z.boolean().default(true).meta({
    description:
      'Compare and register schemas in a normalized form, so that whitespace, key order and comments never make a new version (and pass normalize=true to the registry). false registers the file text as it is.',
  }),
  concurrency: z.int().min(1).max(64).default(12).meta({ description: 'Registry requests in flight at once while planning and applying.' }),
});
export type SchemasSection = z.output<typeof SchemasSection>;
