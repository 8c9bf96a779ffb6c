import { parse as parseYamlScalar } from 'yaml';
import { ConfigError } from '../errors.js';
import { formatPath } from './yaml.js';

/**
 * `${VAR}` and `${VAR:-default}` in string values, resolved from the environment. `$${` writes a
 * literal `${`. A value that is exactly one reference takes the type its text has in YAML, so
 * `partitions: ${PARTITIONS}` gives a number and `enabled: ${FLAG:-true}` a boolean.
 */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;
const MALFORMED = /\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})/;

export type Environment = Readonly<Record<string, string | undefined>>;

export function interpolate(value: unknown, env: Environment, locate: (path: PropertyKey[]) => string, path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') return interpolateString(value, env, () => `${locate(path)}: ${formatPath(path)}`);
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, locate, [...path, index]));
  if (value && typeof value === 'object') {
    // No prototype: a copied key can never reach Object.prototype (the parser also refuses __proto__).
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, locate, [...path, key]);
    return out;
  }
  return value;
}

function interpolateString(text: string, env: Environment, where: () => string): unknown {
  if (!text.includes('${')) return text;
  if (MALFORMED.test(text.replace(/\$\$\{/g, ''))) {
    throw new ConfigError(`${where()}: malformed variable reference in "${text}". Write \${NAME} or \${NAME:-default}, or $\${ for a literal.`);
  }
  const resolve = (name: string, fallback: string | undefined): string => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`${where()}: environment variable ${name} is not set. Set it, or give a default with \${${name}:-value}.`);
  };
  const whole = WHOLE_REFERENCE.exec(text);
  if (whole) {
    const raw = resolve(whole[1]!, whole[2]);
    return typedScalar(raw);
  }
  return text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) =>
    match === '$${' ? '${' : resolve(name!, fallback));
}

function typedScalar(raw: string): unknown {
  // Only plain scalars change type; anything YAML would read as a structure stays a string.
  try {
    const parsed: unknown = parseYamlScalar(raw);
    if (typeof parsed === 'number' || typeof parsed === 'boolean') return parsed;
  } catch {
    // not a scalar YAML understands: keep the text
  }
  return raw;
}
