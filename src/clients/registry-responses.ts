/**
 * What a Confluent-compatible registry answers, per endpoint, as zod schemas: every successful
 * answer is checked against its schema before anyone reads it, so that a login page, a gateway's
 * `{}` or another service's JSON is reported as "not a schema registry" instead of being read as
 * "no subjects" or "version NaN". Shapes from Confluent's Schema Registry API reference
 * (docs.confluent.io, "Schema Registry API Reference"), checked against Apicurio Registry's
 * ccompat/v7 API, which names some fields differently (noted below). Unknown fields are allowed.
 */
import { z } from 'zod';

const Reference = z.object({ name: z.string(), subject: z.string(), version: z.int() });

/** GET /subjects/{subject}/versions/{version} and POST /subjects/{subject} (lookup). */
export const SubjectVersionAnswer = z.object({
  subject: z.string(),
  version: z.int(),
  id: z.int(),
  schema: z.string(),
  /** Left out for Avro (the default type). */
  schemaType: z.string().optional(),
  references: z.array(Reference).optional(),
});
export type SubjectVersionAnswer = z.output<typeof SubjectVersionAnswer>;

/** GET /schemas/ids/{id}. */
export const SchemaByIdAnswer = z.object({ schema: z.string(), schemaType: z.string().optional(), references: z.array(Reference).optional() });

/** GET /subjects. */
export const SubjectsAnswer = z.array(z.string());

/** GET /subjects/{subject}/versions; DELETE /subjects/{subject} (the versions deleted). */
export const VersionsAnswer = z.array(z.int());

/** POST /subjects/{subject}/versions. */
export const RegisterAnswer = z.object({ id: z.int() });

/** POST /compatibility/subjects/{subject}/versions[/latest]; `messages` only with verbose=true. */
export const CompatibilityAnswer = z.object({ is_compatible: z.boolean(), messages: z.array(z.unknown()).optional() });

/**
 * GET, PUT and DELETE /config[/{subject}]: Confluent answers GET with `compatibilityLevel` and PUT
 * with `compatibility`; Apicurio answers `compatibilityLevel` to all three. One of them must be there.
 */
export const LevelAnswer = z
  .object({ compatibilityLevel: z.string().optional(), compatibility: z.string().optional() })
  .refine((body) => body.compatibilityLevel !== undefined || body.compatibility !== undefined, { message: 'compatibilityLevel is missing' })
  .transform((body) => (body.compatibilityLevel ?? body.compatibility)!);

/** GET /mode. */
export const ModeAnswer = z.object({ mode: z.string() });

/**
 * An error answer: `{ "error_code": 40401, "message": "…" }`. Confluent's codes extend the HTTP
 * status with two digits (40401 subject not found, 40402 version not found, 40403 schema not found,
 * 42201 invalid schema, 50001 store error); Apicurio uses the same, and 409 for incompatible.
 */
export const ErrorAnswer = z.object({ error_code: z.int(), message: z.string().optional() });

/** Confluent error codes synchook tells apart (Schema Registry API reference, "Errors"). */
export const ErrorCodes = { subjectNotFound: 40401, versionNotFound: 40402, schemaNotFound: 40403 } as const;
