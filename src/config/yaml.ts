import { LineCounter, parseAllDocuments, parseDocument, isMap, isSeq, isScalar, visit, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';

export interface ParsedYaml {
  file: string;
  value: unknown;
  /** "file:line:col" of the node at a path in the document, or just the file when unknown. */
  locate(path: ReadonlyArray<PropertyKey>, options?: { key?: boolean }): string;
}

/** Parses one YAML document; syntax errors become ConfigErrors with file, line and column. */
export function parseYamlFile(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  throwOnYamlErrors(file, doc, lineCounter);
  return wrapDocument(file, doc, lineCounter);
}

/** Parses a multi-document YAML stream (Strimzi CR files hold many). */
export function parseYamlDocuments(file: string, text: string): ParsedYaml[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) {
    // An empty stream parses to an EmptyStream object.
    return [];
  }
  for (const doc of docs) throwOnYamlErrors(file, doc, lineCounter);
  return docs.filter((doc) => doc.contents !== null).map((doc) => wrapDocument(file, doc, lineCounter));
}

function throwOnYamlErrors(file: string, doc: Document, lineCounter: LineCounter): void {
  const first = doc.errors[0];
  if (!first) return;
  const pos = first.pos?.[0] !== undefined ? lineCounter.linePos(first.pos[0]) : undefined;
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
  throw new ConfigError(`${where}: YAML syntax error: ${reason}. Fix the YAML at that line and column.`);
}

function wrapDocument(file: string, doc: Document, lineCounter: LineCounter): ParsedYaml {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias without its anchor, or an alias bomb, only shows when the document is resolved.
    const reason = (error as Error).message.split('\n')[0] ?? 'invalid YAML';
    const offset = unresolvedAliasOffset(doc);
    const where = offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}:${lineCounter.linePos(offset).col}`;
    throw new ConfigError(`${where}: YAML error: ${reason}. Define the anchor (&name) before the alias (*name), or quote a value that starts with '*'.`);
  }
  return {
    file,
    value,
    locate(path, options) {
      const node = nodeAt(doc, path, options?.key ?? false);
      const offset = node?.range?.[0];
      if (offset === undefined) return file;
      const pos = lineCounter.linePos(offset);
      return `${file}:${pos.line}:${pos.col}`;
    },
  };
}

function unresolvedAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (offset === undefined && node.resolve(doc) === undefined) offset = node.range?.[0];
    },
  });
  return offset;
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
