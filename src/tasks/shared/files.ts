import { relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { isRegularFile as isFile, readInputText, resolveGlobBase, resolveInputPath, shownInputPath as shownPath } from '../../config/input.js';
import { walkFiles } from '../../config/walk.js';
import { ConfigError } from '../../errors.js';

export interface InputFile {
  /** Absolute path. */
  path: string;
  /** Path as shown to the user: relative to the config folder when inside it. */
  shown: string;
  /** The config folder the file was named from: its roots and read limits apply. */
  configDir: string;
}

const MAX_WALK_DEPTH = 12;

/**
 * Expands the `files` entries of a section (paths or globs, relative to the config folder) into
 * the files they name, sorted and without duplicates. A path that does not exist and a glob that
 * matches nothing are configuration errors: a typo must not silently declare nothing. Every path,
 * and every file a glob finds, must lie inside the config folder (or input.allowedRoots) once
 * links are followed.
 */
export function expandFilePatterns(patterns: readonly string[], configDir: string, field: string): InputFile[] {
  const found = new Map<string, InputFile>();
  patterns.forEach((pattern, index) => {
    const where = `${field}[${index}]`;
    const scan = picomatch.scan(pattern);
    if (!scan.isGlob) {
      const path = resolveInputPath(configDir, pattern, where);
      if (!isFile(path)) {
        throw new ConfigError(`${where}: ${pattern} does not exist (paths are relative to the config file's folder ${configDir}). Fix the path or remove the entry.`);
      }
      found.set(path, { path, shown: shownPath(path, configDir), configDir });
      return;
    }
    const base = resolveGlobBase(configDir, scan.base, where, pattern);
    const matcher = picomatch(scan.glob, { dot: false });
    const matches = walkFiles(base, MAX_WALK_DEPTH).filter((path) => matcher(relative(base, path).split(sep).join('/')));
    if (matches.length === 0) {
      throw new ConfigError(`${where}: the pattern ${pattern} matches no file under ${base}. Fix the pattern, or remove it if the files are gone.`);
    }
    for (const match of matches) {
      const path = resolveInputPath(configDir, match, where);
      found.set(path, { path, shown: shownPath(path, configDir), configDir });
    }
  });
  return [...found.values()].sort((a, b) => a.shown.localeCompare(b.shown));
}

/** Reads a declaration file within the run's read limits, as UTF-8. */
export function readInputFile(file: InputFile): string {
  try {
    return readInputText(file.configDir, file.path, file.shown);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(`${file.shown}: the file disappeared while synchook was reading the declarations. Run again.`);
    }
    throw error;
  }
}
