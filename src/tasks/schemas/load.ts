import { ConfigError } from '../../errors.js';
import type { SchemasSection } from './config.js';
import { loadDeclarations, type SubjectDeclaration } from './declarations.js';
import { resolveSchema, SchemaProblem, type ResolvedSchema } from './formats/index.js';
import { registrationOrder } from './references.js';
import type { FileSource } from './sources.js';

export interface DeclaredSchema {
  declaration: SubjectDeclaration;
  schema: ResolvedSchema;
}

export interface SchemaSet {
  /** In registration order: every subject after the subjects it references. */
  ordered: DeclaredSchema[];
  bySubject: Map<string, DeclaredSchema>;
  /** Subjects that could not be checked here (offline, with a reference to an undeclared subject). */
  unchecked: Array<{ declaration: SubjectDeclaration; reason: string }>;
  /** Every declaration, in registration order, including unchecked ones. */
  declarations: SubjectDeclaration[];
  /** Things that parse but that a registry may refuse. */
  warnings: string[];
}

/** Finds a subject version that this config does not declare (a pinned reference); undefined when it does not exist. */
export type ExternalSchemas = (subject: string, version: number) => Promise<ResolvedSchema | undefined>;

const MAX_PROBLEMS_SHOWN = 10;

/**
 * Reads the subjects files and every schema file they name from a source, parses and validates
 * each schema with its references, and returns them in registration order. Every problem found is
 * reported at once, each with its file and line, as one configuration error.
 */
export async function loadSchemaSet(
  source: FileSource,
  section: Pick<SchemasSection, 'files' | 'compatibility' | 'normalize'>,
  options: { external?: ExternalSchemas; shownSuffix?: string; only?: string; extra?: readonly SubjectDeclaration[] } = {},
): Promise<SchemaSet> {
  const suffix = options.shownSuffix ?? '';
  const all = registrationOrder([...loadDeclarations(source, section.files ?? [], section.compatibility, suffix), ...(options.extra ?? [])]);
  const declarations = options.only === undefined ? all : withReferences(all, options.only);
  const bySubject = new Map<string, DeclaredSchema>();
  const ordered: DeclaredSchema[] = [];
  const unchecked: SchemaSet['unchecked'] = [];
  const failed = new Set<string>();
  const problems: string[] = [];
  const warnings: string[] = [];

  for (const declaration of declarations) {
    const text = source.read(declaration.file, `${declaration.where}: the file of subject ${declaration.subject}`);
    if (text === undefined) {
      problems.push(`${declaration.where}: the schema file ${declaration.file}${suffix} of subject ${declaration.subject} does not exist (paths are relative to the subjects file). Fix the path.`);
      failed.add(declaration.subject);
      continue;
    }
    const references: Array<{ name: string; subject: string; target: ResolvedSchema }> = [];
    let blocked: string | undefined;
    for (const reference of declaration.references) {
      const declared = bySubject.get(reference.subject);
      if (declared) {
        references.push({ name: reference.name, subject: reference.subject, target: declared.schema });
        continue;
      }
      if (failed.has(reference.subject)) {
        blocked = 'dependency failed';
        break;
      }
      if (!options.external) {
        blocked = `references subject ${reference.subject} version ${reference.version}, which this config does not declare; checked against the registry at deploy time`;
        break;
      }
      const external = await options.external(reference.subject, reference.version as number);
      if (!external) {
        problems.push(`${reference.where}: reference ${reference.name} of subject ${declaration.subject} points at version ${reference.version} of subject ${reference.subject}, which the registry does not have. Pin an existing version or declare ${reference.subject} here.`);
        blocked = 'dependency missing';
        break;
      }
      references.push({ name: reference.name, subject: reference.subject, target: external });
    }
    if (blocked) {
      failed.add(declaration.subject);
      if (blocked !== 'dependency failed' && blocked !== 'dependency missing') unchecked.push({ declaration, reason: blocked });
      continue;
    }
    try {
      const schema = resolveSchema({ type: declaration.type, text, references, normalize: section.normalize, strictReferences: true });
      const item = { declaration, schema };
      const root = schema.json?.value;
      if (root !== undefined && (root === null || typeof root !== 'object' || Array.isArray(root) || !('$schema' in root || 'properties' in root))) {
        warnings.push(
          `subject ${declaration.subject}: ${declaration.file} declares neither $schema nor properties; Apicurio Registry refuses such a JSON Schema ("Given schema is not from type: JSON"). Add "$schema": "http://json-schema.org/draft-07/schema#".`,
        );
      }
      bySubject.set(declaration.subject, item);
      ordered.push(item);
    } catch (error) {
      if (!(error instanceof SchemaProblem)) throw error;
      failed.add(declaration.subject);
      const where = `${declaration.file}${suffix}${error.location ? `:${error.location}` : ''}`;
      problems.push(`${where}: ${declaration.type} schema of subject ${declaration.subject}: ${error.message}. Fix the schema (declared at ${declaration.where}).`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN);
    if (problems.length > MAX_PROBLEMS_SHOWN) shown.push(`... and ${problems.length - MAX_PROBLEMS_SHOWN} more`);
    throw new ConfigError(shown.join('\n'));
  }
  return { ordered, bySubject, unchecked, declarations, warnings };
}

/** The declaration of one subject and of every subject it references (transitively), in registration order. */
function withReferences(ordered: readonly SubjectDeclaration[], subject: string): SubjectDeclaration[] {
  const bySubject = new Map(ordered.map((declaration) => [declaration.subject, declaration]));
  const needed = new Set<string>();
  const visit = (name: string): void => {
    const declaration = bySubject.get(name);
    if (!declaration || needed.has(name)) return;
    needed.add(name);
    for (const reference of declaration.references) visit(reference.subject);
  };
  visit(subject);
  return ordered.filter((declaration) => needed.has(declaration.subject));
}
