/**
 * How deep a schema may nest. The parsers, avsc, ajv and the compatibility checkers all recurse
 * along the schema's structure, and Node's stack ends near 1,000 nested Avro records (measured),
 * with "Maximum call stack size exceeded" and no file name. A schema nested deeper than this limit
 * is refused before any of them runs; real schemas stay far below it.
 */
export const MAX_JSON_NESTING = 256;

/**
 * The offset of the first `[` or `{` that opens nesting level `limit + 1` of a JSON text, or
 * undefined when the text stays within the limit. Strings (with their escapes) are skipped; the
 * text need not be valid JSON (the parser reports that).
 */
export function deeperThan(text: string, limit: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index += 1; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > limit) return index;
    } else if (char === 0x7d || char === 0x5d) {
      depth -= 1;
    }
  }
  return undefined;
}

/** V8's RangeError when recursion runs out of stack. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
