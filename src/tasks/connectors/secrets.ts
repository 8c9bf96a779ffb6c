/**
 * What a plan may print of a connector config value. Keys that name a secret show only that the
 * value changed; a config provider reference (`${file:/secrets/db.properties:password}`) is the
 * worker's to resolve and is printed as written, since it holds no secret itself.
 */
const SECRET_KEY = /password|secret|token|credential|jaas\.config|user\.info/i;
/** "key" as a word of its own (ssl.key, api.key, private.key), not key.converter or key.ignore. */
const KEY_WORD = /(^|[._-])key$/i;
const PROVIDER_REFERENCE = /^\$\{[^}]+\}$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || KEY_WORD.test(key);
}

function isProviderReference(value: string): boolean {
  return PROVIDER_REFERENCE.test(value.trim());
}

/** The value as the plan shows it. */
function shownValue(key: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (isProviderReference(value)) return value;
  if (isSecretKey(key)) return '(secret)';
  return JSON.stringify(value);
}

/** One line per changed key: "topic "a" → "b"", secrets masked. */
export function configDiffLines(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const old = before[key];
    const next = after[key];
    if (old === next) continue;
    if (old !== undefined && next !== undefined && isSecretKey(key) && !isProviderReference(old) && !isProviderReference(next)) {
      lines.push(`${key}: (secret changed)`);
      continue;
    }
    if (old === undefined) lines.push(`+ ${key}: ${shownValue(key, next)}`);
    else if (next === undefined) lines.push(`- ${key}: ${shownValue(key, old)}`);
    else lines.push(`${key}: ${shownValue(key, old)} → ${shownValue(key, next)}`);
  }
  return lines;
}
