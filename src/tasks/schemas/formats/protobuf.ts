import type protobufTypes from 'protobufjs';
import { lazyLibrary } from './lazy-library.js';
import { stableStringify } from '../json-text.js';

const loadProtobuf = lazyLibrary<typeof protobufTypes>('protobufjs');

/** Imports every registry knows without a reference: protobuf's well-known types. */
export function isWellKnownImport(name: string): boolean {
  return name.startsWith('google/protobuf/');
}

export interface ParsedProto {
  imports: string[];
  /** Equal for two files that differ only in formatting, comments or declaration order. */
  normalized: string;
}

export class ProtoSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number | undefined,
  ) {
    super(reason);
  }
}

const PARSE_OPTIONS = { keepCase: true, alternateCommentMode: true } as const;

/** Parses one .proto file on its own (imports are not resolved here). */
export function parseProto(text: string): ParsedProto {
  let parsed: protobufTypes.IParserResult;
  try {
    parsed = loadProtobuf().parse(text, new (loadProtobuf().Root)(), PARSE_OPTIONS);
  } catch (error) {
    throw protoError(error);
  }
  const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
  const syntax = /^\s*syntax\s*=\s*["'](proto[23])["']/m.exec(text)?.[1] ?? 'proto2';
  const edition = /^\s*edition\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
  const normalized = stableStringify({ syntax, edition, package: parsed.package ?? '', imports: [...imports].sort(), root: parsed.root.toJSON({ keepComments: false }) });
  return { imports, normalized };
}

/**
 * Checks that a file and the files it imports resolve: every type used is defined. `files` maps
 * import names to the text of the referenced schemas (and theirs, transitively).
 */
export function validateProto(text: string, files: ReadonlyMap<string, string>): void {
  const root = new (loadProtobuf().Root)();
  const wellKnown = new Set<string>();
  const addWellKnown = (imports: readonly string[]) => {
    for (const name of imports) {
      if (!isWellKnownImport(name) || wellKnown.has(name)) continue;
      wellKnown.add(name);
      const descriptor = loadProtobuf().common.get(name) as { nested?: protobufTypes.INamespace['nested'] } | null;
      if (descriptor?.nested) root.addJSON(descriptor.nested);
    }
  };
  for (const [name, fileText] of files) {
    try {
      const parsed = loadProtobuf().parse(fileText, root, PARSE_OPTIONS);
      addWellKnown(parsed.imports ?? []);
    } catch (error) {
      throw new ProtoSyntaxError(`the referenced file ${name} does not parse together with the others: ${protoError(error).message}`, undefined);
    }
  }
  try {
    const parsed = loadProtobuf().parse(text, root, PARSE_OPTIONS);
    addWellKnown(parsed.imports ?? []);
  } catch (error) {
    throw protoError(error);
  }
  try {
    root.resolveAll();
  } catch (error) {
    throw new ProtoSyntaxError(`${(error as Error).message.replace(/^no such type:?/i, 'unknown type')}; declare the imports it needs as references`, undefined);
  }
}

function protoError(error: unknown): ProtoSyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'max depth exceeded') {
    // protobufjs's limits (util.nestingLimit, util.recursionLimit) copy protoc's
    // MaxMessageDeclarationNestingDepth and default_recursion_limit_.
    return new ProtoSyntaxError(
      `the schema nests too deeply: at most ${loadProtobuf().util.nestingLimit} levels of nested message declarations and ${loadProtobuf().util.recursionLimit} levels of other nesting are read (protoc's limits); flatten it`,
      undefined,
    );
  }
  const match = /^(.*?)\s*\((?:[^,()]*,\s*)?line (\d+)\)\s*$/.exec(message);
  if (match) return new ProtoSyntaxError(match[1]!, Number(match[2]));
  return new ProtoSyntaxError(message, undefined);
}
