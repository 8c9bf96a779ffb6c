import { dirname, resolve } from 'node:path';
import { isRegularFile as isFile, readInputText, resolveInputPath, shownInputPath as shownPath } from '../config/input.js';
import { parseYamlFile } from '../config/yaml.js';
import { ConfigError } from '../errors.js';
import { jsonPath } from './paths.js';
import type { AsyncAPIDocumentInterface, Parser } from '@asyncapi/parser';

/** A parsed AsyncAPI document and the file it came from, as shown to the user. */
export interface ParsedAsyncApi {
  document: AsyncAPIDocumentInterface;
  shown: string;
  /** "2.6.0", "3.1.0". */
  version: string;
}

// The schemaFormats of the AsyncAPI project's own Avro and Protobuf schema parsers
// (@asyncapi/avro-schema-parser, @asyncapi/protobuf-schema-parser); synchook keeps those payloads
// as written and hands them to the registry, so it registers pass-through parsers for them.
export const AVRO_FORMATS = ['1.9.0', '1.8.2'].flatMap((version) => ['', '+json', '+yaml'].map((suffix) => `application/vnd.apache.avro${suffix};version=${version}`));
export const PROTOBUF_FORMATS = ['application/vnd.google.protobuf;version=2', 'application/vnd.google.protobuf;version=3'];

const parsers = new Map<string, Parser>();

/**
 * Reads, checks and parses one document with the AsyncAPI project's parser. Every `$ref` must
 * point inside the config folder (or input.allowedRoots); a URL, or a path outside, is refused
 * before parsing, naming the file and the JSON path of the `$ref`. A `$ref` to a .proto file is
 * replaced by the file's text (the Protobuf schemaFormat holds the .proto source as a string).
 */
export async function parseAsyncApiDocument(configDir: string, file: string, field: string): Promise<ParsedAsyncApi> {
  const path = resolveInputPath(configDir, file, field);
  if (!isFile(path)) throw new ConfigError(`${field}: ${file} does not exist (paths are relative to the config file's folder ${configDir}). Fix the path.`);
  const shown = shownPath(path, configDir);
  const parsed = parseYamlFile(shown, readInputText(configDir, path, shown));
  const root = parsed.value;
  if (root === null || typeof root !== 'object' || Array.isArray(root) || typeof (root as Record<string, unknown>).asyncapi !== 'string') {
    throw new ConfigError(`${shown}: not an AsyncAPI document (no "asyncapi:" version at the top). ${field} must name an AsyncAPI 2.6 or 3.x document.`);
  }
  const version = (root as Record<string, unknown>).asyncapi as string;
  if (!/^(2\.6|3\.\d+)\.\d+$/.test(version)) {
    throw new ConfigError(`${shown} $.asyncapi: version ${version} is not supported; synchook reads AsyncAPI 2.6 and 3.x documents. Convert the document (asyncapi convert).`);
  }
  const seen = new Set<string>([path]);
  const document = inlineProtoRefs(root, [], { configDir, file: path, shown, seen, top: true });

  let parser = parsers.get(configDir);
  if (!parser) {
    parser = await createParser(configDir);
    parsers.set(configDir, parser);
  }
  const output = await parser.parse(document as never, { source: path, applyTraits: true });
  const errors = output.diagnostics.filter((diagnostic) => diagnostic.severity === 0 || /No schema parser registered/.test(diagnostic.message));
  if (errors.length > 0 || !output.document) {
    const lines = errors.slice(0, 8).map((diagnostic) => `${shown} ${jsonPath(diagnostic.path)}: ${describeDiagnostic(diagnostic.message)}`);
    if (errors.length > 8) lines.push(`... and ${errors.length - 8} more`);
    throw new ConfigError(`${lines.join('\n') || `${shown}: the AsyncAPI parser could not read the document.`}\nFix the document (the AsyncAPI ${version} specification says what each field takes).`);
  }
  return { document: output.document, shown, version };
}

function describeDiagnostic(message: string): string {
  const format = /No schema parser registered for "([^"]*)"/.exec(message);
  if (format) return `schemaFormat ${format[1]} is not one synchook reads; use the AsyncAPI or JSON Schema format, ${AVRO_FORMATS[0]} or ${PROTOBUF_FORMATS[1]}`;
  return message.replace(/\.$/, '');
}

interface RefScope {
  configDir: string;
  /** Absolute path of the file holding the value. */
  file: string;
  shown: string;
  seen: Set<string>;
  /** The document itself (a .proto $ref is inlined only there). */
  top: boolean;
}

/** A copy of `value` with every `$ref` checked; `{ $ref: x.proto }` becomes the .proto text. */
function inlineProtoRefs(value: unknown, path: Array<string | number>, scope: RefScope): unknown {
  if (Array.isArray(value)) return value.map((item, index) => inlineProtoRefs(item, [...path, index], scope));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$ref === 'string') {
    const target = checkRef(record.$ref, [...path, '$ref'], scope);
    if (target?.endsWith('.proto')) {
      if (!scope.top) throw new ConfigError(`${scope.shown} ${jsonPath([...path, '$ref'])}: a $ref to a .proto file is read only from the AsyncAPI document itself, not from a file it references. Move the $ref into the document.`);
      return readInputText(scope.configDir, target, shownPath(target, scope.configDir));
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = inlineProtoRefs(item, [...path, key], scope);
  return out;
}

/** The absolute file a `$ref` names (undefined for a local "#/..." ref); refused when it leads outside or to the network. */
function checkRef(ref: string, path: Array<string | number>, scope: RefScope): string | undefined {
  const where = `${scope.shown} ${jsonPath(path)}`;
  if (ref.startsWith('#')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
    throw new ConfigError(`${where}: $ref ${ref} is a URL; synchook resolves $refs only within the config folder and never over the network. Copy the file into the config folder and refer to it by a relative path.`);
  }
  const filePart = ref.split('#')[0]!;
  const target = resolve(dirname(scope.file), filePart);
  resolveInputPath(scope.configDir, target, `${where}: $ref ${ref}`);
  if (!isFile(target)) throw new ConfigError(`${where}: $ref ${ref} names a file that does not exist (relative to ${scope.shown}). Fix the path.`);
  if (!target.endsWith('.proto') && !scope.seen.has(target)) {
    scope.seen.add(target);
    const shown = shownPath(target, scope.configDir);
    const parsed = parseYamlFile(shown, readInputText(scope.configDir, target, shown));
    inlineProtoRefs(parsed.value, [], { ...scope, file: target, shown, top: false });
  }
  return target;
}

async function createParser(configDir: string): Promise<Parser> {
  // Loaded here, not at the top: the parser takes a third of a second to load, and most runs
  // have no AsyncAPI document.
  const { Parser: AsyncApiParser } = await import('@asyncapi/parser');
  const passThrough = (formats: string[]) => ({ getMimeTypes: () => formats, validate: () => [], parse: (input: { data: unknown }) => input.data as never });
  // Every $ref was checked above; these readers keep the parser from reaching anything else.
  const readFile = (uri: { valueOf(): string; path(): string }) => {
    const file = decodeURIComponent(uri.path());
    return readInputText(configDir, resolveInputPath(configDir, file, `$ref ${uri.valueOf()}`), file);
  };
  const refuse = (uri: { valueOf(): string }): string => {
    throw new ConfigError(`$ref ${uri.valueOf()}: synchook resolves $refs only within the config folder.`);
  };
  return new AsyncApiParser({
    schemaParsers: [passThrough(AVRO_FORMATS), passThrough(PROTOBUF_FORMATS)],
    __unstable: {
      resolver: {
        cache: false,
        resolvers: [
          { schema: 'file', order: 1, read: readFile as never },
          { schema: 'http', order: 1, read: refuse as never },
          { schema: 'https', order: 1, read: refuse as never },
        ],
      },
    },
  });
}
