import type { z } from 'zod';
import { formatPath, type ParsedYaml } from '../../config/yaml.js';
import { ConfigError } from '../../errors.js';

// config/load.ts has the same wording for the config file itself; it is not imported here because
// it loads the config schema, which loads the task registry, which loads this task (a cycle).

/**
 * Validates one YAML document (or a part of it at `base`) against a schema; every issue becomes a
 * line with file:line:col and the key path, like errors in the config file itself.
 */
export function parseDocumentPart<S extends z.ZodType>(schema: S, doc: ParsedYaml, value: unknown, base: PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const lines = issues.slice(0, 8).map((issue) => describeIssue(issue, [...base, ...issue.path], doc));
  if (issues.length > 8) lines.push(`... and ${issues.length - 8} more`);
  throw new ConfigError(lines.join('\n'));
}

function describeIssue(issue: z.core.$ZodIssue, path: PropertyKey[], doc: ParsedYaml): string {
  if (issue.code === 'unrecognized_keys') {
    const full = issue.keys.map((key) => formatPath([...path, key]));
    return `${doc.locate([...path, issue.keys[0]!], { key: true })}: unknown key ${full.join(', ')}. Remove it or check the spelling.`;
  }
  return `${doc.locate(path)}: ${formatPath(path)}: ${issue.message}.`;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
