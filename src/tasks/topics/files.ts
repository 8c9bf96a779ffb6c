import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { walkFiles } from '../../config/walk.js';
import { ConfigError } from '../../errors.js';

export interface InputFile {
  /** Absolute path. */
  path: string;
  /** Path as shown to the user: relative to the config folder when inside it. */
  shown: string;
}

/** A declaration file over this size is refused before parsing (the reliability corpus feeds a 20 MB one). */
export const MAX_INPUT_FILE_BYTES = 8 * 1024 * 1024;

const MAX_WALK_DEPTH = 12;

/**
 * Expands the `files` entries of a section (paths or globs, relative to the config folder) into
 * the files they name, sorted and without duplicates. A path that does not exist and a glob that
 * matches nothing are configuration errors: a typo must not silently declare nothing.
 */
export function expandFilePatterns(patterns: readonly string[], configDir: string, field: string): InputFile[] {
  const found = new Map<string, InputFile>();
  patterns.forEach((pattern, index) => {
    const where = `${field}[${index}]`;
    const scan = picomatch.scan(pattern);
    if (!scan.isGlob) {
      const path = resolve(configDir, pattern);
      if (!isFile(path)) {
        throw new ConfigError(`${where}: ${pattern} does not exist (paths are relative to the config file's folder ${configDir}). Fix the path or remove the entry.`);
      }
      found.set(path, { path, shown: shownPath(path, configDir) });
      return;
    }
    const base = resolve(configDir, scan.base || '.');
    const matcher = picomatch(scan.glob, { dot: false });
    const matches = walkFiles(base, MAX_WALK_DEPTH).filter((path) => matcher(relative(base, path).split(sep).join('/')));
    if (matches.length === 0) {
      throw new ConfigError(`${where}: the pattern ${pattern} matches no file under ${base}. Fix the pattern, or remove it if the files are gone.`);
    }
    for (const path of matches) found.set(path, { path, shown: shownPath(path, configDir) });
  });
  return [...found.values()].sort((a, b) => a.shown.localeCompare(b.shown));
}

/** Reads a declaration file, refusing one too large to be a hand-written declaration. */
export function readInputFile(file: InputFile): string {
  let size: number;
  try {
    size = statSync(file.path).size;
  } catch {
    throw new ConfigError(`${file.shown}: the file disappeared while synchook was reading the declarations. Run again.`);
  }
  if (size > MAX_INPUT_FILE_BYTES) {
    throw new ConfigError(`${file.shown}: the file is ${Math.round(size / 1024 / 1024)} MiB; files over ${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB are refused. Split it into several files.`);
  }
  return readFileSync(file.path, 'utf8');
}

function shownPath(path: string, configDir: string): string {
  const rel = relative(configDir, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

