import type { ResourceChange } from './plan-json.js';

/** The value at a path of attribute names and list indexes, or undefined. */
export function valueAt(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let current: unknown = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

const MAX_SHOWN = 60;

/**
 * The top-level attributes an update or replacement changes, one line each: "partitions: 12 → 6".
 * Sensitive values never appear (before_sensitive/after_sensitive mark them); values known only
 * after apply say so, as Terraform's own plan does.
 */
export function attributeChanges(change: ResourceChange, limit = 8): string[] {
  const before = asRecord(change.before);
  const after = asRecord(change.after);
  const unknown = asRecord(change.afterUnknown);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const isUnknown = containsTrue(unknown[key]);
    if (!isUnknown && JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    // An id that becomes unknown is the mark of every replacement; it says nothing new.
    if (key === 'id' && change.kind === 'replace' && unknown[key] === true) continue;
    const old = shown(before[key], sensitiveAt(change.beforeSensitive, key), false);
    const next = shown(after[key], sensitiveAt(change.afterSensitive, key), unknown[key] === true);
    lines.push(`${key}: ${old} → ${next}${isUnknown && unknown[key] !== true ? ' (partly known after apply)' : ''}`);
  }
  if (lines.length > limit) return [...lines.slice(0, limit), `... and ${lines.length - limit} more attributes`];
  return lines;
}

function shown(value: unknown, sensitive: boolean, unknown: boolean): string {
  if (unknown) return '(known after apply)';
  if (sensitive) return '(sensitive value)';
  if (value === undefined || value === null) return 'null';
  const json = JSON.stringify(value);
  if (json.length <= MAX_SHOWN) return json;
  if (Array.isArray(value)) return `[${value.length} items]`;
  if (typeof value === 'object') return `{${Object.keys(value).length} attributes}`;
  return `${json.slice(0, MAX_SHOWN - 1)}…`;
}

function sensitiveAt(sensitive: unknown, key: string): boolean {
  if (sensitive === true) return true;
  return containsTrue(asRecord(sensitive)[key]);
}

function containsTrue(value: unknown): boolean {
  if (value === true) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(containsTrue);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
