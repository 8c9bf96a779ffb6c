import { posix } from 'node:path';
import { z } from 'zod';
import { parseYamlFile, refuseInterpolation, type ParsedYaml } from '../../config/yaml.js';
import { ConfigError } from '../../errors.js';
import { describeIssues } from '../../config/load.js';
import { CompatibilityLevelSchema, SCHEMA_TYPES, type CompatibilityLevel, type SchemaType } from './config.js';
import type { FileSource } from './sources.js';

/** A reference from one schema to a schema of another subject (Confluent's SchemaReference). */
interface ReferenceDeclaration {
  /** Avro: the full name of the referenced type; Protobuf: the import path; JSON Schema: the $ref URI. */
  name: string;
  subject: string;
  /** A version number, or "latest": the version the referenced subject has after this run. */
  version: number | 'latest';
  /** "file:line:col" of the reference in its subjects file. */
  where: string;
}

export interface SubjectDeclaration {
  subject: string;
  /** The schema file, relative to the config's folder, with forward slashes. */
  file: string;
  type: SchemaType;
  /** The level synchook sets on the subject: its own, else the section's; undefined leaves the registry's. */
  compatibility?: CompatibilityLevel;
  references: ReferenceDeclaration[];
  /** "file:line:col" of the declaration in its subjects file. */
  where: string;
}


const NonEmpty = z.string().min(1, { message: 'must not be empty' });

const SubjectName = NonEmpty.max(255, { message: 'is longer than 255 characters' }).refine((name) => !/[\u0000-\u001f\u007f]/.test(name), {
  message: 'must not contain control characters',
});

const Reference = z.strictObject({
  name: NonEmpty.meta({ description: 'Avro: the full name of the referenced type. Protobuf: the import path. JSON Schema: the $ref URI.' }),
  subject: SubjectName,
  version: z
    .union([z.int().min(1), z.literal('latest')], { error: 'expected a version number (1, 2, ...) or latest' })
    .default('latest')
    .meta({ description: 'A version number, or latest: the version the referenced subject has once this run has registered it.' }),
});

const SchemaFields = {
  file: NonEmpty.meta({ description: 'The schema file, relative to this subjects file.' }),
  type: z.enum(SCHEMA_TYPES, { error: `expected one of ${SCHEMA_TYPES.join(', ')}` }).optional().meta({ description: 'Schema type; by default from the extension: .avsc AVRO, .json JSON, .proto PROTOBUF.' }),
  compatibility: CompatibilityLevelSchema.optional(),
  references: z.array(Reference).default([]),
};

const SubjectEntry = z.strictObject({ subject: SubjectName, ...SchemaFields });

const TopicSide = z.union([NonEmpty, z.strictObject(SchemaFields)], { error: 'expected a schema file name, or { file, type, compatibility, references }' });

const TopicEntry = z
  .strictObject({
    topic: NonEmpty.meta({ description: 'Topic whose <topic>-key and <topic>-value subjects are declared (TopicNameStrategy).' }),
    key: TopicSide.optional(),
    value: TopicSide.optional(),
    compatibility: CompatibilityLevelSchema.optional(),
  })
  .refine((entry) => entry.key !== undefined || entry.value !== undefined, { message: 'give key, value or both' });

const SubjectsFileShape = z.strictObject({ subjects: z.array(z.unknown()).meta({ description: 'The subjects.' }) });

const EXTENSION_TYPES: Record<string, SchemaType> = { '.avsc': 'AVRO', '.avro': 'AVRO', '.json': 'JSON', '.proto': 'PROTOBUF' };

/** Expands `schemas.files` in a source: paths must exist and globs must match, so a typo never declares nothing. */
function subjectsFiles(source: FileSource, patterns: readonly string[]): string[] {
  const found = new Set<string>();
  patterns.forEach((pattern, index) => {
    const where = `schemas.files[${index}]`;
    if (!/[*?[\]{}!]/.test(pattern)) {
      const path = posix.normalize(pattern);
      if (source.read(path, where) === undefined) {
        throw new ConfigError(`${where}: ${pattern} does not exist in ${source.label} (paths are relative to the config file's folder). Fix the path or remove the entry.`);
      }
      found.add(path);
      return;
    }
    const matches = source.glob(pattern, where);
    if (matches.length === 0) throw new ConfigError(`${where}: the pattern ${pattern} matches no file in ${source.label}. Fix the pattern, or remove it if the files are gone.`);
    for (const match of matches) found.add(match);
  });
  return [...found].sort();
}

/**
 * Reads the subjects files and returns every declared subject, with paths resolved and types and
 * levels filled in. Errors name the subjects file, line and field.
 */
export function loadDeclarations(source: FileSource, patterns: readonly string[], defaultLevel: CompatibilityLevel | undefined, shownSuffix = ''): SubjectDeclaration[] {
  const declarations: SubjectDeclaration[] = [];
  const seen = new Map<string, string>();
  for (const path of subjectsFiles(source, patterns)) {
    const text = source.read(path);
    if (text === undefined) throw new ConfigError(`${path}${shownSuffix}: the file disappeared while synchook was reading it. Run again.`);
    const parsed = parseYamlFile(`${path}${shownSuffix}`, text);
    for (const declaration of declarationsOfFile(parsed, path, defaultLevel)) {
      const earlier = seen.get(declaration.subject);
      if (earlier) throw new ConfigError(`${declaration.where}: subject ${declaration.subject} is declared twice (first at ${earlier}). Keep one declaration.`);
      seen.set(declaration.subject, declaration.where);
      declarations.push(declaration);
    }
  }
  return declarations;
}

function declarationsOfFile(parsed: ParsedYaml, path: string, defaultLevel: CompatibilityLevel | undefined): SubjectDeclaration[] {
  if (parsed.value === null || parsed.value === undefined) {
    throw new ConfigError(`${parsed.file}: the file is empty. Declare the subjects under a top-level "subjects:" list.`);
  }
  refuseInterpolation(parsed);
  const shape = SubjectsFileShape.safeParse(parsed.value);
  if (!shape.success) throw new ConfigError(describeIssues(shape.error.issues, parsed.locate));
  const dir = posix.dirname(path);
  const out: SubjectDeclaration[] = [];
  shape.data.subjects.forEach((entry, index) => {
    const at = ['subjects', index];
    const isTopic = entry !== null && typeof entry === 'object' && 'topic' in entry;
    const result = (isTopic ? TopicEntry : SubjectEntry).safeParse(entry);
    if (!result.success) {
      const issues = result.error.issues.map((issue) => ({ ...issue, path: [...at, ...issue.path] }));
      throw new ConfigError(describeIssues(issues, parsed.locate));
    }
    if ('topic' in result.data) {
      const topic = result.data;
      for (const side of ['key', 'value'] as const) {
        const spec = topic[side];
        if (spec === undefined) continue;
        const fields = typeof spec === 'string' ? { file: spec, references: [] } : spec;
        out.push(declaration(parsed, [...at, side], dir, `${topic.topic}-${side}`, fields, fields.compatibility ?? topic.compatibility ?? defaultLevel));
      }
    } else {
      const subject = result.data;
      out.push(declaration(parsed, at, dir, subject.subject, subject, subject.compatibility ?? defaultLevel));
    }
  });
  return out;
}

function declaration(
  parsed: ParsedYaml,
  at: Array<string | number>,
  dir: string,
  subject: string,
  fields: { file: string; type?: SchemaType; references: Array<z.output<typeof Reference>> },
  compatibility: CompatibilityLevel | undefined,
): SubjectDeclaration {
  const where = parsed.locate(at);
  const type = fields.type ?? EXTENSION_TYPES[posix.extname(fields.file).toLowerCase()];
  if (!type) {
    throw new ConfigError(`${parsed.locate([...at, 'file'])}: cannot tell the schema type of ${fields.file} from its extension. Add type: AVRO, JSON or PROTOBUF.`);
  }
  const seenNames = new Set<string>();
  const references = fields.references.map((reference, index) => {
    const refWhere = parsed.locate([...at, 'references', index]);
    if (seenNames.has(reference.name)) throw new ConfigError(`${refWhere}: subject ${subject} has two references named ${reference.name}. Keep one.`);
    seenNames.add(reference.name);
    return { ...reference, where: refWhere };
  });
  return { subject, file: posix.normalize(posix.join(dir, fields.file)), type, compatibility, references, where };
}
