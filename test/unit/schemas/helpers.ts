import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { resolveSchema, type ResolvedSchema } from '../../../src/tasks/schemas/formats/index.js';
import type { SchemaType } from '../../../src/tasks/schemas/config.js';

/** Writes files (path → text; objects become JSON) under a fresh temporary folder. */
export function writeTree(files: Record<string, string | object>, dir = mkdtempSync(join(tmpdir(), 'synchook-schemas-'))): string {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export function schema(type: SchemaType, value: unknown, references: Array<{ name: string; subject?: string; target: ResolvedSchema }> = []): ResolvedSchema {
  return resolveSchema({
    type,
    text: typeof value === 'string' ? value : JSON.stringify(value),
    references: references.map((reference) => ({ subject: reference.subject ?? 'other', ...reference })),
    normalize: true,
    strictReferences: true,
  });
}

export async function configError(body: () => unknown): Promise<ConfigError> {
  try {
    await body();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
