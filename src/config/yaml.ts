import { LineCounter, parseAllDocuments, parseDocument, isAlias, isMap, isSeq, isScalar, visit, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseWithoutPositions } from './yaml-fast.js';

export interface ParsedYaml {
  file: string;
  value: unknown;
  /** "file:line:col" of the node at a path in the document, or just the file when unknown. */
  locate(path: ReadonlyArray<PropertyKey>, options?: { key?: boolean }): string;
}

/**
 * Alias expansions one document may make; the yaml library counts every node an alias brings in,
 * so this stops a "billion laughs" document before it is expanded.
 */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses one YAML document; syntax errors become ConfigErrors with file, line and column.
 * Positions cost most of the parse: a document the fast parser reads the same way is parsed
 * without them, and again with them only when an error needs a line and column.
 */
export function parseYamlFile(file: string, text: string): ParsedYaml {
  const fast = parseWithoutPositions(text);
  if (fast?.length === 1) return wrapValue(file, fast[0], lazyDocuments(text, parseSingle).at(0));
  const { docs: [doc], lineCounter } = parseSingle(text);
  throwOnYamlErrors(file, text, doc!, lineCounter);
  return wrapDocument(file, doc!, lineCounter);
}

/** Parses a multi-document YAML stream (Strimzi CR files hold many). */
export function parseYamlDocuments(file: string, text: string): ParsedYaml[] {
  const fast = parseWithoutPositions(text);
  if (fast) {
    // A document with nothing in it (a trailing `---`, only comments) declares nothing, as kubectl has it.
    const values = fast.filter((value) => value !== null && value !== undefined);
    const located = lazyDocuments(text, (all) => {
      const stream = parseStream(all);
      return { docs: stream.docs.filter((doc) => !isEmptyDocument(doc)), lineCounter: stream.lineCounter };
    });
    return values.map((value, index) => wrapValue(file, value, located.at(index)));
  }
  const { docs, lineCounter } = parseStream(text);
  for (const doc of docs) throwOnYamlErrors(file, text, doc, lineCounter);
  return docs.filter((doc) => !isEmptyDocument(doc)).map((doc) => wrapDocument(file, doc, lineCounter));
}

interface PositionedDocuments {
  docs: Document[];
  lineCounter: LineCounter;
}

function parseSingle(text: string): PositionedDocuments {
  const lineCounter = new LineCounter();
  return { docs: [parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })], lineCounter };
}

function parseStream(text: string): PositionedDocuments {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // An empty stream parses to an EmptyStream object.
  return { docs: Array.isArray(docs) ? docs : [], lineCounter };
}

/** The positioned parse of a text, done once and only when a position is asked for. */
function lazyDocuments(text: string, parse: (text: string) => PositionedDocuments): { at(index: number): () => { doc: Document; lineCounter: LineCounter } | undefined } {
  let parsed: PositionedDocuments | undefined;
  return {
    at: (index) => () => {
      parsed ??= parse(text);
      const doc = parsed.docs[index];
      return doc ? { doc, lineCounter: parsed.lineCounter } : undefined;
    },
  };
}

/** A document read by the fast parser; `locate` parses the text again with positions on first use. */
function wrapValue(file: string, value: unknown, positioned: () => { doc: Document; lineCounter: LineCounter } | undefined): ParsedYaml {
  const parsed: ParsedYaml = {
    file,
    value,
    locate(path, options) {
      const found = positioned();
      if (!found) return file;
      const node = nodeAt(found.doc, path, options?.key ?? false);
      const offset = node?.range?.[0];
      if (offset === undefined) return file;
      const pos = found.lineCounter.linePos(offset);
      return `${file}:${pos.line}:${pos.col}`;
    },
  };
  refuseReservedKeys(parsed);
  return parsed;
}

function isEmptyDocument(doc: Document): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null);
}

function throwOnYamlErrors(file: string, text: string, doc: Document, lineCounter: LineCounter): void {
  const first = doc.errors[0];
  if (!first) return;
  const offset = first.pos?.[0];
  const pos = offset !== undefined ? lineCounter.linePos(offset) : undefined;
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
  throw new ConfigError(`${where}: YAML syntax error: ${reason}. ${syntaxAdvice(text, offset)}`);
}

/**
 * An unquoted `[${VAR}]` reads as a flow sequence holding `$` and the mapping `{VAR}`: say how to
 * write it rather than leave the user with "missing ,".
 */
function syntaxAdvice(text: string, offset: number | undefined): string {
  if (offset !== undefined) {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const lineEnd = text.indexOf('\n', offset);
    const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    if (/[[{,]\s*\$\{/.test(line)) return 'Quote a ${...} reference inside [...] or {...}: ["${KAFKA_BROKERS}"].';
  }
  return 'Fix the YAML at that line and column.';
}

function wrapDocument(file: string, doc: Document, lineCounter: LineCounter): ParsedYaml {
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const pos = lineCounter.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const unresolved = unresolvedAlias(doc);
  if (unresolved) {
    throw new ConfigError(`${at(unresolved.range?.[0])}: YAML error: the alias *${unresolved.source} has no anchor. Define the anchor (&${unresolved.source}) before the alias, or quote a value that starts with '*'.`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The only other failure of toJS on a document without errors is the alias count.
    const alias = firstExcessiveAlias(doc);
    const reason = (error as Error).message.split('\n')[0] ?? 'invalid YAML';
    throw new ConfigError(
      `${at(alias?.range?.[0])}: YAML error: too many aliases (${reason}); a document may expand at most ${MAX_ALIAS_COUNT} nodes through aliases. Write the values out instead of nesting aliases.`,
    );
  }
  const parsed: ParsedYaml = {
    file,
    value,
    locate(path, options) {
      const node = nodeAt(doc, path, options?.key ?? false);
      return at(node?.range?.[0]);
    },
  };
  refuseReservedKeys(parsed);
  return parsed;
}

function unresolvedAlias(doc: Document): (Node & { source: string }) | undefined {
  let found: (Node & { source: string }) | undefined;
  visit(doc, {
    Alias(_, node) {
      if (found === undefined && node.resolve(doc) === undefined) found = node;
    },
  });
  return found;
}

/** The first alias whose expansion (with the aliases before it) passes the limit: where to look. */
function firstExcessiveAlias(doc: Document): Node | undefined {
  const sizes = new Map<unknown, number>();
  const sizeOf = (node: unknown): number => {
    if (isAlias(node)) return sizeOf(node.resolve(doc));
    if (!node || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, 1);
    let size = 1;
    if (isMap(node)) for (const pair of node.items) size += sizeOf(pair.key) + sizeOf(pair.value);
    else if (isSeq(node)) for (const item of node.items) size += sizeOf(item);
    sizes.set(node, size);
    return size;
  };
  let total = 0;
  let found: Node | undefined;
  let last: Node | undefined;
  visit(doc, {
    Alias(_, node) {
      if (found) return visit.BREAK;
      last = node;
      total += sizeOf(node.resolve(doc));
      if (total > MAX_ALIAS_COUNT) found = node;
      return undefined;
    },
  });
  return found ?? last;
}

/**
 * Keys that would reach an object's prototype when input is copied: never meaningful in any
 * synchook file, so refused wherever they appear.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function refuseReservedKeys(parsed: ParsedYaml): void {
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, index]));
      return;
    }
    if (!value || typeof value !== 'object' || value instanceof Date) return;
    for (const key of Object.keys(value)) {
      if (RESERVED_KEYS.has(key)) {
        throw new ConfigError(`${parsed.locate([...path, key], { key: true })}: the key ${formatPath([...path, key])} is not allowed (__proto__, constructor and prototype are refused in every synchook file). Remove it.`);
      }
      walk((value as Record<string, unknown>)[key], [...path, key]);
    }
  };
  walk(parsed.value, []);
}

/**
 * Declaration files (topics, ACLs, subjects) are read as written: `${...}` is interpolated only in
 * synchook.yaml. A string holding one would otherwise become a topic or subject named literally
 * `orders.${ENV}`; refuse it and say where interpolation works.
 */
export function refuseInterpolation(parsed: ParsedYaml, base: PropertyKey[] = [], value: unknown = parsed.value): void {
  const walk = (item: unknown, path: PropertyKey[]): void => {
    if (typeof item === 'string') {
      const match = /\$\{[^}]*\}?/.exec(item);
      if (match) {
        throw new ConfigError(
          `${parsed.locate(path)}: ${formatPath(path)}: "${match[0]}" is not interpolated here; environment variables are replaced only in synchook.yaml. Write the value itself, or move what varies into synchook.yaml (topics.defaults, topics.managedPrefix).`,
        );
      }
      return;
    }
    if (Array.isArray(item)) item.forEach((entry, index) => walk(entry, [...path, index]));
    else if (item && typeof item === 'object' && !(item instanceof Date)) for (const [key, entry] of Object.entries(item)) walk(entry, [...path, key]);
  };
  walk(value, base);
}

/** The deepest node that exists along the path, so an error on a missing key points at its parent. */
function nodeAt(doc: Document, path: ReadonlyArray<PropertyKey>, wantKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  for (const [index, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      if (!pair) return node as Node;
      node = wantKey && index === path.length - 1 ? pair.key : (pair.value ?? pair.key);
    } else if (isSeq(node) && typeof key === 'number') {
      const next = node.items[key];
      if (next === undefined) return node as Node;
      node = next;
    } else {
      return node as Node | undefined;
    }
  }
  return node as Node | undefined;
}

/** "cluster.brokers[0]" from a path array. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}
