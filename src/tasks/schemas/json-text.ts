/**
 * JSON parsing that remembers where each value starts, so that an error found in a schema (an
 * unknown Avro type, an invalid JSON Schema keyword) can name the line and column of the file.
 */

export interface PositionedJson {
  value: unknown;
  /** "line:col" of the value at a JSON pointer ("" is the document, "/fields/0/type" a nested one). */
  locate(pointer: string): string | undefined;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`${reason} at line ${line}, column ${col}`);
  }
}

export function parseJsonWithPositions(text: string): PositionedJson {
  const offsets = new Map<string, number>();
  const parser = new Parser(text, offsets);
  const value = parser.document();
  const lines = lineStarts(text);
  return {
    value,
    locate(pointer) {
      // Fall back to the nearest ancestor that was recorded (a missing key points at its object).
      let current = pointer;
      for (;;) {
        const offset = offsets.get(current);
        if (offset !== undefined) {
          const { line, col } = position(lines, offset);
          return `${line}:${col}`;
        }
        if (current === '') return undefined;
        current = current.slice(0, current.lastIndexOf('/'));
      }
    },
  };
}

/** The line:col of the first occurrence of a string in a text, for errors that name a token. */
export function locateToken(text: string, token: string): string | undefined {
  const index = text.indexOf(token);
  return index < 0 ? undefined : locateOffset(text, index);
}

/** The line:col of an offset in a text. */
export function locateOffset(text: string, offset: number): string {
  const { line, col } = position(lineStarts(text), offset);
  return `${line}:${col}`;
}

/**
 * Compact JSON with object keys in a fixed order: the keys of `first` in that order, then the rest
 * sorted. Two documents that differ only in whitespace or key order serialize identically.
 */
export function stableStringify(value: unknown, first: readonly string[] = []): string {
  return JSON.stringify(sortKeys(value, first));
}

export function sortKeys(value: unknown, first: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, first));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const ordered = [...first.filter((key) => key in record), ...keys.filter((key) => !first.includes(key)).sort()];
  const out: Record<string, unknown> = {};
  for (const key of ordered) out[key] = sortKeys(record[key], first);
  return out;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index += 1) if (text.charCodeAt(index) === 10) starts.push(index + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; col: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, col: offset - starts[low]! + 1 };
}

/** A strict JSON parser (RFC 8259) recording the offset of every value by JSON pointer. */
class Parser {
  private index = 0;
  private readonly starts: number[];

  constructor(
    private readonly text: string,
    private readonly offsets: Map<string, number>,
  ) {
    this.starts = lineStarts(text);
  }

  document(): unknown {
    // A byte order mark is tolerated, as editors on some platforms write one.
    if (this.text.charCodeAt(0) === 0xfeff) this.index = 1;
    this.whitespace();
    if (this.index >= this.text.length) this.fail('the file is empty; expected a JSON document');
    const value = this.value('');
    this.whitespace();
    if (this.index < this.text.length) this.fail(`unexpected ${this.describeHere()} after the end of the JSON document`);
    return value;
  }

  private value(pointer: string): unknown {
    this.whitespace();
    this.offsets.set(pointer, this.index);
    const char = this.text[this.index];
    if (char === '{') return this.object(pointer);
    if (char === '[') return this.array(pointer);
    if (char === '"') return this.string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number();
    if (this.text.startsWith('true', this.index)) return this.literal('true', true);
    if (this.text.startsWith('false', this.index)) return this.literal('false', false);
    if (this.text.startsWith('null', this.index)) return this.literal('null', null);
    return this.fail(`unexpected ${this.describeHere()}; expected a JSON value`);
  }

  private object(pointer: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.index += 1;
    this.whitespace();
    if (this.text[this.index] === '}') {
      this.index += 1;
      return out;
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.index] !== '"') this.fail(`unexpected ${this.describeHere()}; expected a property name in double quotes`);
      const keyStart = this.index;
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`duplicate key "${key}"`, keyStart);
      this.whitespace();
      if (this.text[this.index] !== ':') this.fail(`unexpected ${this.describeHere()}; expected ':' after "${key}"`);
      this.index += 1;
      // defineProperty: a key named "__proto__" must stay an ordinary key.
      Object.defineProperty(out, key, { value: this.value(`${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`), enumerable: true, writable: true, configurable: true });
      this.whitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index += 1;
        continue;
      }
      if (next === '}') {
        this.index += 1;
        return out;
      }
      this.fail(`unexpected ${this.describeHere()}; expected ',' or '}'`);
    }
  }

  private array(pointer: string): unknown[] {
    const out: unknown[] = [];
    this.index += 1;
    this.whitespace();
    if (this.text[this.index] === ']') {
      this.index += 1;
      return out;
    }
    for (;;) {
      out.push(this.value(`${pointer}/${out.length}`));
      this.whitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index += 1;
        continue;
      }
      if (next === ']') {
        this.index += 1;
        return out;
      }
      this.fail(`unexpected ${this.describeHere()}; expected ',' or ']'`);
    }
  }

  private string(): string {
    const start = this.index;
    this.index += 1;
    let out = '';
    for (;;) {
      const char = this.text[this.index];
      if (char === undefined) this.fail('unterminated string', start);
      if (char === '"') {
        this.index += 1;
        return out;
      }
      if (char === '\\') {
        const escape = this.text[this.index + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && escape in simple) {
          out += simple[escape];
          this.index += 2;
          continue;
        }
        if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.index + 2, this.index + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.index + 2, this.index + 6), 16));
          this.index += 6;
          continue;
        }
        this.fail('invalid escape sequence in a string');
      }
      if (char.charCodeAt(0) < 0x20) this.fail('control character in a string (use \\n, \\t, ...)');
      out += char;
      this.index += 1;
    }
  }

  private number(): number {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.index, this.index + 400));
    if (!match) this.fail('invalid number');
    this.index += match[0].length;
    return Number(match[0]);
  }

  private literal(word: string, value: boolean | null): boolean | null {
    this.index += word.length;
    return value;
  }

  private whitespace(): void {
    while (this.index < this.text.length) {
      const char = this.text[this.index];
      if (char === ' ' || char === '\n' || char === '\r' || char === '\t') this.index += 1;
      else break;
    }
  }

  private describeHere(): string {
    const char = this.text[this.index];
    if (char === undefined) return 'end of file';
    return `'${char}'`;
  }

  private fail(reason: string, at = this.index): never {
    const { line, col } = position(this.starts, at);
    throw new JsonSyntaxError(reason, line, col);
  }
}
