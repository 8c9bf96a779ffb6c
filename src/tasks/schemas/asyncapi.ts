import { loadAsyncApiDeclarations } from '../../asyncapi/index.js';
import { ConfigError } from '../../errors.js';
import type { Violation } from '../types.js';
import type { SchemasSection } from './config.js';
import { loadDeclarations, type SubjectDeclaration } from './declarations.js';
import { resolveSchema, SchemaProblem } from './formats/index.js';
import type { FileSource } from './sources.js';

export interface AsyncApiSubjects {
  /** The source, plus the schemas of the documents under their "file" (the document and JSON path). */
  source: FileSource;
  /** Subjects only the documents declare. */
  extra: SubjectDeclaration[];
  /** Subjects both a subjects file and a document declare, with different schemas. */
  violations: Violation[];
}

/**
 * The subjects of the config's AsyncAPI documents, beside those of the subjects files. A subject
 * declared in both places is registered from the subjects file when the two schemas are the same
 * schema (normalized); when they differ, it is a violation naming both places.
 */
export async function withAsyncApiSubjects(source: FileSource, section: Pick<SchemasSection, 'files' | 'compatibility'>, config: { asyncapi?: unknown }, configDir: string): Promise<AsyncApiSubjects> {
  const pending = loadAsyncApiDeclarations(config, configDir);
  if (!pending) {
    if (!section.files) throw new ConfigError('schemas.files: list the subjects files (schemas/subjects.yaml), or declare asyncapi.documents, so the schemas task has subjects to register.');
    return { source, extra: [], violations: [] };
  }
  const declarations = await pending;
  const fromFiles = new Map(loadDeclarations(source, section.files ?? [], section.compatibility).map((declaration) => [declaration.subject, declaration]));
  const texts = new Map<string, string>();
  const extra: SubjectDeclaration[] = [];
  const violations: Violation[] = [];
  for (const subject of declarations.subjects) {
    const declaration: SubjectDeclaration = { subject: subject.subject, file: subject.source, type: subject.type, compatibility: section.compatibility, references: [], where: subject.source };
    const inFile = fromFiles.get(subject.subject);
    if (!inFile) {
      extra.push(declaration);
      texts.set(declaration.file, subject.text);
      continue;
    }
    const fileText = source.read(inFile.file);
    if (fileText !== undefined && inFile.references.length === 0 && inFile.type === subject.type && sameSchema(subject.type, fileText, subject.text)) continue;
    violations.push({
      resource: `subject ${subject.subject}`,
      rule: 'asyncapi-conflict',
      message: `the ${inFile.type} schema in ${inFile.file} (declared at ${inFile.where}) is not the ${subject.type} schema at ${subject.source}. Declare the subject in one place, or make both the same schema.`,
      file: inFile.file,
    });
  }
  const wrapped: FileSource = {
    ...source,
    read: (path, field) => texts.get(path) ?? source.read(path, field),
  };
  return { source: wrapped, extra, violations };
}

function sameSchema(type: SubjectDeclaration['type'], a: string, b: string): boolean {
  try {
    const left = resolveSchema({ type, text: a, references: [], normalize: true });
    const right = resolveSchema({ type, text: b, references: [], normalize: true });
    return left.key === right.key;
  } catch (error) {
    // A schema that does not parse is reported by the load with its file and line.
    if (error instanceof SchemaProblem) return true;
    throw error;
  }
}
