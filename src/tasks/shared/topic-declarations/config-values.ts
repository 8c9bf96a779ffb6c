/**
 * The Kafka string form of a declared topic config value, or a reason the value cannot be used.
 * Kafka stores strings; declarations may use YAML numbers, booleans or lists (Strimzi accepts all
 * three), which become the string Kafka would hold.
 */
export function normalizeConfigValue(value: unknown): { value: string } | { problem: string } {
  if (typeof value === 'string') return { value: normalizeList(value) };
  if (typeof value === 'boolean') return { value: String(value) };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { problem: 'is not a finite number' };
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      // YAML numbers are read as doubles; 9223372036854775807 would silently become ...776000.
      return { problem: `is too large to be read exactly as a number; quote it ("${BigInt(value)}" may already be rounded, so write the exact digits in quotes)` };
    }
    return { value: String(value) };
  }
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value as unknown[]) {
      if (Array.isArray(item) || item === null || typeof item === 'object') return { problem: 'is a list with a nested list, map or null; a list value holds plain values' };
      const normalized = normalizeConfigValue(item);
      if ('problem' in normalized) return normalized;
      items.push(normalized.value);
    }
    return { value: items.join(',') };
  }
  if (value === null || value === undefined) return { problem: 'is empty; remove the key to leave it at the broker default' };
  return { problem: 'is a map; a config value is a string, number, boolean or list' };
}

/** "compact, delete" → "compact,delete": Kafka's list configs ignore the spaces, so do we. */
function normalizeList(value: string): string {
  return value.includes(',') ? value.split(',').map((item) => item.trim()).join(',') : value.trim();
}

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** Whether two values mean the same to Kafka ("0.5" and "0.50", "a, b" and "a,b"). */
export function sameConfigValue(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  const left = normalizeList(a);
  const right = normalizeList(b);
  if (left === right) return true;
  if (NUMBER.test(left) && NUMBER.test(right)) {
    // Long values beyond 2^53 compare as digits; a double comparison would call them equal.
    if (!left.includes('.') && !right.includes('.') && !/[eE]/.test(left + right)) return BigInt(left) === BigInt(right);
    return Number(left) === Number(right);
  }
  return false;
}
