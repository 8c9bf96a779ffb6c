import type { z } from 'zod';
import { describeIssues } from '../../config/load.js';
import type { ParsedYaml } from '../../config/yaml.js';
import { ConfigError } from '../../errors.js';

/**
 * Validates one YAML document (or a part of it at `base`) against a schema; every issue becomes a
 * line with file:line:col and the key path, worded as errors in the config file itself.
 */
export function parseDocumentPart<S extends z.ZodType>(schema: S, doc: ParsedYaml, value: unknown, base: PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ ...issue, path: [...base, ...issue.path] }));
  throw new ConfigError(describeIssues(issues, doc.locate));
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
