import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders a glob in the config never looks into. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

/**
 * Every file below dir (links to files included), at most `depth` folders down, for matching the
 * globs the config names. An unreadable folder contributes nothing.
 */
export function walkFiles(dir: string, depth: number): string[] {
  if (depth < 0) return [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) out.push(...walkFiles(path, depth - 1));
    } else if (entry.isFile() || (entry.isSymbolicLink() && isFile(path))) {
      out.push(path);
    }
  }
  return out;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
