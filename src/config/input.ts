import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * What synchook may read for one config: files inside the config's folder, or inside an extra root
 * the config names (`input.allowedRoots`), after following symbolic links; and how much. Secret
 * `…File` keys and TLS files are not declarations and are not held to these roots.
 */
export interface InputLimits {
  /** One declaration file (topics, ACLs, subjects, a schema, a plan JSON, a sample) over this is refused. */
  maxFileBytes: number;
  /** Everything read for one run (the config and every declaration file) over this is refused. */
  maxTotalBytes: number;
}

// A hand-written declaration file is far below 8 MiB (10,000 topics take about 1 MiB of YAML).
// Parsed YAML takes about 50 times its size in memory (52 MB of topic files reached 2.7 GB), so
// the total is kept where the shipped Jobs' memory limit still holds it.
const DEFAULT_INPUT_LIMITS: InputLimits = { maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 16 * 1024 * 1024 };

interface InputScope {
  /** Real paths: the config's folder first, then the allowed roots. */
  roots: string[];
  limits: InputLimits;
  /** Bytes read per real path; a file read twice counts once. */
  read: Map<string, number>;
  total: number;
}

const scopes = new Map<string, InputScope>();

/** Sets the roots and limits for the config in `configDir`; called once the config is validated. */
export function configureInput(configDir: string, options: { allowedRoots?: readonly string[]; limits?: Partial<InputLimits> } = {}): void {
  const dir = realDirectory(configDir);
  const roots = [dir];
  (options.allowedRoots ?? []).forEach((root, index) => {
    const path = resolve(configDir, root);
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new ConfigError(`input.allowedRoots[${index}]: ${root} does not exist. Fix the path (relative to the config file's folder) or remove it.`);
    }
    if (!statSync(real).isDirectory()) throw new ConfigError(`input.allowedRoots[${index}]: ${root} is not a folder. Name the folder whose files the config may read.`);
    roots.push(real);
  });
  const limits = { ...DEFAULT_INPUT_LIMITS };
  if (options.limits?.maxFileBytes !== undefined) limits.maxFileBytes = options.limits.maxFileBytes;
  if (options.limits?.maxTotalBytes !== undefined) limits.maxTotalBytes = options.limits.maxTotalBytes;
  scopes.set(resolve(configDir), { roots, limits, read: new Map(), total: 0 });
}

function scopeOf(configDir: string): InputScope {
  const key = resolve(configDir);
  let scope = scopes.get(key);
  if (!scope) {
    scope = { roots: [realDirectory(configDir)], limits: { ...DEFAULT_INPUT_LIMITS }, read: new Map(), total: 0 };
    scopes.set(key, scope);
  }
  return scope;
}

function realDirectory(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** "the config folder /cfg" or "the config folder /cfg and input.allowedRoots (/shared)". */
function describeRoots(scope: InputScope): string {
  const [dir, ...extra] = scope.roots;
  return extra.length === 0 ? `the config folder ${dir}` : `the config folder ${dir} and input.allowedRoots (${extra.join(', ')})`;
}

/**
 * The real path of a file or folder the config names, checked to lie inside the allowed roots
 * after following links. A path that does not exist is returned as given (resolved), when it lies
 * inside, so the caller can say it is missing. `field` names the key, e.g. "topics.files[1]".
 */
export function resolveInputPath(configDir: string, path: string, field: string): string {
  const scope = scopeOf(configDir);
  const absolute = resolve(configDir, path);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    real = resolve(realDirectory(dirname(absolute)), basename(absolute));
  }
  if (!scope.roots.some((root) => isInside(real, root))) {
    const via = real === absolute ? '' : ` (it resolves to ${real})`;
    throw new ConfigError(
      `${field}: ${path}${via} lies outside ${describeRoots(scope)}; synchook reads declarations only from there. Move the file into the config folder, or add its folder to input.allowedRoots.`,
    );
  }
  return absolute;
}

/** A path as shown to the user: relative to the config folder when inside it, with forward slashes. */
export function shownInputPath(path: string, configDir: string): string {
  const rel = relative(configDir, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A folder a glob walks from, checked like a path (a glob must not climb out: "../*", "/etc/*"). */
export function resolveGlobBase(configDir: string, base: string, field: string, pattern: string): string {
  return resolveInputPath(configDir, base || '.', `${field} (pattern ${pattern})`);
}

/**
 * Reads a declaration file as UTF-8 text within the per-file and total limits. `shown` is the
 * path as the user wrote it, for messages.
 */
export function readInputText(configDir: string, path: string, shown: string): string {
  const scope = scopeOf(configDir);
  const real = realpathSync(path);
  const size = statSync(real).size;
  if (size > scope.limits.maxFileBytes) {
    throw new ConfigError(`${shown}: the file is ${formatSize(size)}; files over ${formatSize(scope.limits.maxFileBytes)} are refused (input.maxFileSize). Split it into several files.`);
  }
  const counted = scope.read.get(real);
  if (counted === undefined) {
    if (scope.total + size > scope.limits.maxTotalBytes) {
      throw new ConfigError(
        `${shown}: reading it would bring the input of this run to ${formatSize(scope.total + size)} over ${scope.read.size + 1} files; the total is limited to ${formatSize(scope.limits.maxTotalBytes)} (input.maxTotalSize). Raise input.maxTotalSize, with the Job's memory limit, if this much is meant.`,
      );
    }
  }
  const text = decodeUtf8(readFileSync(real), shown);
  if (counted === undefined) {
    scope.read.set(real, size);
    scope.total += size;
  }
  return text;
}

/** Counts a file already read (the config file itself) into the total of its config. */
export function countInput(configDir: string, path: string, size: number): void {
  const scope = scopeOf(configDir);
  const real = realDirectory(path);
  if (scope.read.has(real)) return;
  scope.read.set(real, size);
  scope.total += size;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a file, which must be UTF-8 (YAML 1.2 and JSON files are, in practice); UTF-16 and
 * other encodings are refused by name rather than parsed into nonsense.
 */
export function decodeUtf8(bytes: Uint8Array, shown: string): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.includes(0);
  if (utf16) throw new ConfigError(`${shown}: the file is not UTF-8 (it looks like UTF-16). Save it as UTF-8.`);
  try {
    return UTF8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).filter((byte) => byte === 0x0a).length + 1;
    throw new ConfigError(`${shown}: the file is not UTF-8 (an invalid byte on line ${line}). Save it as UTF-8.`);
  }
}

/** Offset of the byte at which decoding fails: the shortest prefix that does not decode ends there. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      low = middle;
    } catch {
      high = middle;
    }
  }
  return low;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)$/;
const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 * 1024, GiB: 1024 * 1024 * 1024 };

/** "512KiB", "8MiB", "1GiB" in bytes; undefined for anything else. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  return match ? Math.round(Number(match[1]) * SIZE_UNITS[match[2]!]!) : undefined;
}
