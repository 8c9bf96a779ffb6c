/**
 * Avro schema resolution (Avro specification, "Schema Resolution"), as decided by Java Avro's
 * SchemaCompatibility.checkReaderWriterCompatibility, which Confluent Schema Registry and
 * Apicurio Registry both use: can a reader with one schema read data written with another?
 */
import { AVRO_PRIMITIVES, type Json } from '../formats/avro.js';

export type AvroNode =
  | { kind: 'primitive'; type: string }
  | { kind: 'record'; name: string; aliases: string[]; fields: AvroField[] }
  | { kind: 'enum'; name: string; aliases: string[]; symbols: string[]; default?: string }
  | { kind: 'fixed'; name: string; aliases: string[]; size: number }
  | { kind: 'array'; items: AvroNode }
  | { kind: 'map'; values: AvroNode }
  | { kind: 'union'; types: AvroNode[] };

interface AvroField {
  name: string;
  aliases: string[];
  type: AvroNode;
  hasDefault: boolean;
}

/** The incompatibility kinds of Java Avro's SchemaIncompatibilityType. */
type AvroIncompatibilityType = 'NAME_MISMATCH' | 'FIXED_SIZE_MISMATCH' | 'MISSING_ENUM_SYMBOLS' | 'READER_FIELD_MISSING_DEFAULT_VALUE' | 'TYPE_MISMATCH' | 'MISSING_UNION_BRANCH';

export interface AvroIncompatibility {
  type: AvroIncompatibilityType;
  /** JSON-pointer-like location in the reader's schema, as Java Avro reports it: "/fields/2/type". */
  location: string;
  /** What is wrong, in words. */
  message: string;
}

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Builds the resolution model of a canonical schema. `definitions` maps full names to canonical
 * definitions: the schema's own and those of its references.
 */
export function avroModel(canonical: Json, definitions: ReadonlyMap<string, Json>): AvroNode {
  const built = new Map<string, AvroNode>();
  const build = (node: Json): AvroNode => {
    if (typeof node === 'string') {
      if (AVRO_PRIMITIVES.has(node)) return { kind: 'primitive', type: node };
      const existing = built.get(node);
      if (existing) return existing;
      const definition = definitions.get(node);
      if (definition === undefined) throw new Error(`unknown Avro type ${node}`);
      return build(definition);
    }
    if (Array.isArray(node)) return { kind: 'union', types: node.map(build) };
    if (!isObject(node)) throw new Error(`not an Avro schema: ${JSON.stringify(node)}`);
    const type = node.type;
    const aliases = Array.isArray(node.aliases) ? node.aliases.filter((alias): alias is string => typeof alias === 'string') : [];
    if (typeof type === 'string' && AVRO_PRIMITIVES.has(type)) return { kind: 'primitive', type };
    if (type === 'record' || type === 'error') {
      const name = String(node.name);
      const existing = built.get(name);
      if (existing) return existing;
      // Registered before its fields are built, so that a recursive type refers to itself.
      const record: AvroNode & { kind: 'record' } = { kind: 'record', name, aliases, fields: [] };
      built.set(name, record);
      for (const field of Array.isArray(node.fields) ? node.fields : []) {
        if (!isObject(field)) continue;
        record.fields.push({
          name: String(field.name),
          aliases: Array.isArray(field.aliases) ? field.aliases.filter((alias): alias is string => typeof alias === 'string') : [],
          type: build(field.type as Json),
          hasDefault: 'default' in field,
        });
      }
      return record;
    }
    if (type === 'enum') {
      const name = String(node.name);
      const existing = built.get(name);
      if (existing) return existing;
      const symbols = Array.isArray(node.symbols) ? node.symbols.map(String) : [];
      const enumNode: AvroNode = { kind: 'enum', name, aliases, symbols, default: typeof node.default === 'string' ? node.default : undefined };
      built.set(name, enumNode);
      return enumNode;
    }
    if (type === 'fixed') {
      const name = String(node.name);
      const existing = built.get(name);
      if (existing) return existing;
      const fixed: AvroNode = { kind: 'fixed', name, aliases, size: Number(node.size) };
      built.set(name, fixed);
      return fixed;
    }
    if (type === 'array') return { kind: 'array', items: build(node.items as Json) };
    if (type === 'map') return { kind: 'map', values: build(node.values as Json) };
    if (typeof type === 'string' || Array.isArray(type) || isObject(type)) return build(type);
    throw new Error(`not an Avro schema: ${JSON.stringify(node)}`);
  };
  return build(canonical);
}

function typeName(node: AvroNode): string {
  return node.kind === 'primitive' ? node.type.toUpperCase() : node.kind.toUpperCase();
}

function simpleName(full: string): string {
  return full.slice(full.lastIndexOf('.') + 1);
}

/**
 * Every reason the reader cannot read the writer's data; empty when it can. Mirrors Java Avro's
 * ReaderWriterCompatibilityChecker, including its memo of pairs under check (recursive types).
 */
export function avroIncompatibilities(reader: AvroNode, writer: AvroNode): AvroIncompatibility[] {
  const inProgress = new Map<AvroNode, Set<AvroNode>>();
  const done = new Map<AvroNode, Map<AvroNode, AvroIncompatibility[]>>();

  const check = (r: AvroNode, w: AvroNode, location: string[]): AvroIncompatibility[] => {
    const cached = done.get(r)?.get(w);
    if (cached) return cached.map((item) => ({ ...item }));
    const running = inProgress.get(r);
    if (running?.has(w)) return [];
    if (!running) inProgress.set(r, new Set([w]));
    else running.add(w);
    const result = calculate(r, w, location);
    inProgress.get(r)!.delete(w);
    if (!done.has(r)) done.set(r, new Map());
    done.get(r)!.set(w, result);
    return result;
  };

  const at = (location: string[]) => `/${location.join('/')}`;
  const incompatible = (type: AvroIncompatibilityType, location: string[], message: string): AvroIncompatibility[] => [{ type, location: at(location), message }];

  const namesMatch = (r: { name: string; aliases: string[] }, w: { name: string }): boolean => simpleName(r.name) === simpleName(w.name) || r.aliases.includes(w.name);

  const calculate = (r: AvroNode, w: AvroNode, location: string[]): AvroIncompatibility[] => {
    if (r.kind === w.kind && (r.kind !== 'primitive' || (w.kind === 'primitive' && r.type === w.type))) {
      switch (r.kind) {
        case 'primitive':
          return [];
        case 'array':
          return check(r.items, (w as typeof r).items, [...location, 'items']);
        case 'map':
          return check(r.values, (w as typeof r).values, [...location, 'values']);
        case 'fixed': {
          const writer = w as typeof r;
          if (!namesMatch(r, writer)) return incompatible('NAME_MISMATCH', [...location, 'name'], `expected name ${writer.name}, found ${r.name}`);
          if (r.size !== writer.size) return incompatible('FIXED_SIZE_MISMATCH', [...location, 'size'], `expected size ${writer.size}, found ${r.size}`);
          return [];
        }
        case 'enum': {
          const writer = w as typeof r;
          if (!namesMatch(r, writer)) return incompatible('NAME_MISMATCH', [...location, 'name'], `expected name ${writer.name}, found ${r.name}`);
          const missing = writer.symbols.filter((symbol) => !r.symbols.includes(symbol)).sort();
          if (missing.length > 0 && !(r.default !== undefined && r.symbols.includes(r.default))) {
            return incompatible('MISSING_ENUM_SYMBOLS', [...location, 'symbols'], `enum ${r.name} of the reader lacks the writer's symbol${missing.length > 1 ? 's' : ''} ${missing.join(', ')} and has no default symbol`);
          }
          return [];
        }
        case 'record': {
          const writer = w as typeof r;
          if (!namesMatch(r, writer)) return incompatible('NAME_MISMATCH', [...location, 'name'], `expected name ${writer.name}, found ${r.name}`);
          const out: AvroIncompatibility[] = [];
          r.fields.forEach((field, index) => {
            const fieldLocation = [...location, 'fields', String(index)];
            const candidates = [writer.fields.find((candidate) => candidate.name === field.name), ...field.aliases.map((alias) => writer.fields.find((candidate) => candidate.name === alias))].filter(
              (candidate): candidate is AvroField => candidate !== undefined,
            );
            const writerField = candidates[0];
            if (!writerField) {
              if (field.hasDefault) return;
              if (field.type.kind === 'enum' && field.type.default !== undefined) {
                // Java Avro compares the field's enum with the writer's record here, which never matches.
                out.push(...check(field.type, writer, [...fieldLocation, 'type']));
                return;
              }
              out.push(...incompatible('READER_FIELD_MISSING_DEFAULT_VALUE', fieldLocation, `field ${field.name} of record ${r.name} is missing in the writer's schema and has no default value`));
              return;
            }
            out.push(...check(field.type, writerField.type, [...fieldLocation, 'type']));
          });
          return out;
        }
        case 'union': {
          const writer = w as typeof r;
          const out: AvroIncompatibility[] = [];
          writer.types.forEach((branch, index) => {
            if (check(r, branch, [...location, String(index)]).length > 0) {
              out.push(...incompatible('MISSING_UNION_BRANCH', [...location, String(index)], `the reader's union has no branch for the writer's ${typeName(branch)}${'name' in branch ? ` ${branch.name}` : ''}`));
            }
          });
          return out;
        }
      }
    }
    // Different types: a writer union is readable when each of its branches is.
    if (w.kind === 'union') {
      const out: AvroIncompatibility[] = [];
      w.types.forEach((branch) => out.push(...check(r, branch, location)));
      return out;
    }
    const mismatch = () => incompatible('TYPE_MISMATCH', location, `reader type ${typeName(r)} is not compatible with writer type ${typeName(w)}`);
    const writerPrimitive = w.kind === 'primitive' ? w.type : undefined;
    if (r.kind === 'primitive') {
      // Promotions of the specification: int → long, float, double; long → float, double; float → double; string ↔ bytes.
      const promotable: Record<string, string[]> = { long: ['int'], float: ['int', 'long'], double: ['int', 'long', 'float'], bytes: ['string'], string: ['bytes'] };
      return writerPrimitive !== undefined && (promotable[r.type] ?? []).includes(writerPrimitive) ? [] : mismatch();
    }
    if (r.kind === 'union') {
      if (r.types.some((branch) => check(branch, w, location).length === 0)) return [];
      return incompatible('MISSING_UNION_BRANCH', location, `the reader's union has no branch for the writer's ${typeName(w)}${'name' in w ? ` ${w.name}` : ''}`);
    }
    return mismatch();
  };

  return check(reader, writer, []);
}
