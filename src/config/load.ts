import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { registerBasicAuth, registerSecret } from '../log.js';
import { configureInput, countInput, decodeUtf8 } from './input.js';
import { interpolate, type Environment } from './interpolate.js';
import type { CoreConfig } from './schema.js';
import { formatPath, parseYamlFile } from './yaml.js';

export interface LoadedConfig<Config extends CoreConfig = CoreConfig> {
  config: Config;
  /** Absolute path of the config file. */
  file: string;
  /** Folder of the config file; every file the config names is relative to it. */
  dir: string;
}

/** A config file larger than this is refused before parsing: no hook config is that big. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads and validates the config file against `schema`, the full config schema. */
export function loadConfigFile<Config extends CoreConfig>(schema: z.ZodType<Config>, path: string, env: Environment = process.env): LoadedConfig<Config> {
  const file = resolve(path);
  const text = readConfigText(file, path);
  const loaded = parseConfigText(schema, text, { file, displayName: path, env });
  countInput(loaded.dir, file, Buffer.byteLength(text));
  return loaded;
}

export function parseConfigText<Config extends CoreConfig>(schema: z.ZodType<Config>, text: string, options: { file: string; displayName?: string; env?: Environment }): LoadedConfig<Config> {
  const displayName = options.displayName ?? options.file;
  const parsed = parseYamlFile(displayName, text);
  if (parsed.value === null || parsed.value === undefined) {
    throw new ConfigError(`${displayName}: the file is empty. Start from examples/demo/synchook.yaml (docs/configuration.md lists every key).`);
  }
  if (typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    throw new ConfigError(`${displayName}: expected a mapping of sections (cluster, registry, topics, ...) at the top level.`);
  }
  const interpolated = interpolate(parsed.value, options.env ?? process.env, (path) => parsed.locate(path));
  const result = schema.safeParse(interpolated);
  if (!result.success) {
    throw new ConfigError(describeIssues(result.error.issues, parsed.locate));
  }
  const dir = dirname(options.file);
  const config = result.data;
  configureInput(dir, { allowedRoots: config.input?.allowedRoots, limits: { maxFileBytes: config.input?.maxFileSize, maxTotalBytes: config.input?.maxTotalSize } });
  resolveSecrets(config, dir, displayName);
  return { config, file: options.file, dir };
}

function readConfigText(file: string, shown: string): string {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new ConfigError(`${shown}: config file not found. Pass --config <file> or set SYNCHOOK_CONFIG.`);
  }
  if (stat.isDirectory()) {
    throw new ConfigError(`${shown}: is a directory; --config names the config file itself. Pass --config ${join(shown, 'synchook.yaml')}.`);
  }
  if (stat.size > MAX_CONFIG_BYTES) {
    throw new ConfigError(`${shown}: the file is ${Math.round(stat.size / 1024)} KiB; a config over ${MAX_CONFIG_BYTES / 1024} KiB is refused. Move topic and schema declarations into the files they name.`);
  }
  return decodeUtf8(readFileSync(file), shown);
}

/** One line per issue, at most a handful, each with file:line:col and the key path. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], locate: (path: PropertyKey[], options?: { key?: boolean }) => string): string {
  const lines = issues.slice(0, 8).map((issue) => describeIssue(issue, locate));
  if (issues.length > 8) lines.push(`... and ${issues.length - 8} more`);
  return lines.join('\n');
}

function describeIssue(issue: z.core.$ZodIssue, locate: (path: PropertyKey[], options?: { key?: boolean }) => string): string {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    const full = keys.map((key) => formatPath([...path, key]));
    return `${locate([...path, keys[0]!], { key: true })}: unknown key ${full.join(', ')}. Remove it or check the spelling (docs/configuration.md and each task's page in docs/ list every key).`;
  }
  const where = locate(path);
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return `${where}: ${formatPath(path)} is required (${issue.expected}). Add it.`;
  }
  if (issue.code === 'invalid_union' || issue.message === 'Invalid input') {
    return `${where}: ${formatPath(path)}: the value does not have a form this key accepts. Check its form in docs/ (docs/configuration.md, or the page of the section).`;
  }
  return `${where}: ${formatPath(path)}: ${issue.message}.`;
}

const SECRET_KEYS = ['password', 'token', 'privateKey', 'keyPassword', 'webhookSecret'] as const;

/**
 * Reads every `<secret>File` into `<secret>` (relative to the config's folder) and registers every
 * secret value for redaction. A missing or empty file is a config error naming the key.
 */
function resolveSecrets(node: unknown, dir: string, displayName: string, path: PropertyKey[] = []): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => resolveSecrets(item, dir, displayName, [...path, index]));
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const key of SECRET_KEYS) {
    const fileKey = `${key}File`;
    const fileValue = record[fileKey];
    if (typeof fileValue === 'string') {
      record[key] = readSecretFile(resolve(dir, fileValue), `${displayName}: ${formatPath([...path, fileKey])}`, fileValue);
    }
    const value = record[key];
    if (typeof value === 'string') {
      if (typeof record.username === 'string' && key === 'password') registerBasicAuth(record.username, value);
      else registerSecret(value);
    }
  }
  for (const [key, value] of Object.entries(record)) {
    if (value && typeof value === 'object') resolveSecrets(value, dir, displayName, [...path, key]);
  }
}

function readSecretFile(file: string, where: string, shown: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigError(`${where}: secret file ${shown} ${reason}. Mount the Secret there or fix the path.`);
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value.trim() === '') {
    throw new ConfigError(`${where}: secret file ${shown} is empty. Put the secret in it, or check the Secret's key.`);
  }
  return value;
}
