import { ConfigError, messageOf } from '../../errors.js';
import type { OfflineContext, ValidationReport, Violation } from '../types.js';
import { checkCompatibility, describeFindings, isTransitive, type EarlierSchema } from './compat/index.js';
import type { CompatibilityLevel, SchemasSection } from './config.js';
import { loadSchemaSet, type SchemaSet } from './load.js';
import { baselineSource, folderSource, MAX_HISTORY_COMMITS, type FileSource } from './sources.js';
import { withAsyncApiSubjects } from './asyncapi.js';

/** The level assumed offline for a subject without a configured one: the registries' default. */
const ASSUMED_LEVEL: CompatibilityLevel = 'BACKWARD';

/**
 * `synchook validate`: every schema parsed and validated with its references, and with
 * `--against <folder|git ref>` every changed schema checked for compatibility with its baseline
 * version at the subject's level, without a registry.
 */
export async function validateSchemas(ctx: OfflineContext, section: SchemasSection): Promise<ValidationReport> {
  const asyncapi = await withAsyncApiSubjects(folderSource(ctx.configDir, 'the config folder'), section, ctx.config, ctx.configDir);
  const set = await loadSchemaSet(asyncapi.source, section, { extra: asyncapi.extra });
  const types = countBy(set.declarations.map((declaration) => declaration.type));
  const checked = [`${set.declarations.length} subject${set.declarations.length === 1 ? '' : 's'} (${Object.entries(types).map(([type, count]) => `${count} ${type}`).join(', ') || 'none'}) parsed and validated`];
  const warnings = [...set.warnings, ...set.unchecked.map(({ declaration, reason }) => `subject ${declaration.subject}: not validated offline: it ${reason}.`)];
  const violations: Violation[] = [...asyncapi.violations];
  if (ctx.against) {
    const against = ctx.against;
    const source = baselineSource(ctx.configDir, against);
    const compared = await compareSchemaSets(set, against, () => loadSchemaSet(source, section, { shownSuffix: ` (at ${against})` }), {
      history: source.history ? (subject, file) => historyOf(source, section, subject, file) : undefined,
    });
    checked.push(...compared.checked);
    warnings.push(...compared.warnings);
    violations.push(...compared.violations);
  }
  return { checked, warnings, violations };
}

/** Every earlier version of a subject found in a baseline's history, oldest first, and the versions that could not be read. */
export interface SubjectHistory {
  versions: EarlierSchema[];
  unreadable: string[];
  /** True when the history was cut at MAX_HISTORY_COMMITS. */
  truncated: boolean;
}

export async function compareSchemaSets(
  set: SchemaSet,
  against: string,
  loadBaseline: () => Promise<SchemaSet>,
  options: { history?: (subject: string, file: string) => Promise<SubjectHistory> } = {},
): Promise<{ checked: string[]; warnings: string[]; violations: Violation[] }> {
  const checked: string[] = [];
  const warnings: string[] = [];
  const violations: Violation[] = [];
  let baseline: SchemaSet;
  try {
    baseline = await loadBaseline();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    warnings.push(`the baseline ${against} could not be read, so every subject counts as new: ${messageOf(error).split('\n')[0]}`);
    return { checked: [`against ${against}: no baseline`], warnings, violations };
  }
  let unchanged = 0;
  let added = 0;
  let compatible = 0;
  let assumed = 0;
  const oneVersionOnly: string[] = [];
  const docsOnly: string[] = [];
  for (const { declaration, schema } of set.ordered) {
    const base = baseline.bySubject.get(declaration.subject);
    if (!base) {
      added += 1;
      continue;
    }
    if (base.schema.key === schema.key && sameReferences(base.declaration.references, declaration.references)) {
      unchanged += 1;
      // Normalized Avro keeps docs in the text it registers but not in the key (see withoutDocs).
      if (schema.type === 'AVRO' && base.schema.text !== schema.text) docsOnly.push(declaration.subject);
      continue;
    }
    const level = declaration.compatibility ?? ASSUMED_LEVEL;
    if (!declaration.compatibility) assumed += 1;
    const earlier: EarlierSchema[] = [{ schema: base.schema, label: `the version at ${against}` }];
    let comparedWith = `its version at ${against}`;
    if (isTransitive(level) && options.history) {
      const history = await options.history(declaration.subject, base.declaration.file);
      // The baseline's own version is the newest; older distinct versions go before it.
      const older = history.versions.filter((version) => version.schema.key !== base.schema.key);
      const seen = new Set<string>();
      earlier.unshift(...older.filter((version) => !seen.has(version.schema.key) && seen.add(version.schema.key)));
      comparedWith = `its ${earlier.length} version${earlier.length === 1 ? '' : 's'} in the history of ${against}`;
      for (const item of history.unreadable) warnings.push(`subject ${declaration.subject}: ${item}; that version was not checked.`);
      if (history.truncated) warnings.push(`subject ${declaration.subject}: only the newest ${MAX_HISTORY_COMMITS} commits of ${base.declaration.file} up to ${against} were checked under ${level}.`);
    } else if (isTransitive(level)) {
      oneVersionOnly.push(declaration.subject);
    }
    const verdict = checkCompatibility(level, schema, earlier);
    if (verdict.compatible === false) {
      violations.push({
        resource: `subject ${declaration.subject}`,
        message: `the schema in ${declaration.file} is incompatible under ${level}${declaration.compatibility ? '' : ' (assumed: no level configured)'} with ${comparedWith}: ${describeFindings(verdict.findings)}.`,
        rule: 'incompatible-schema',
        file: declaration.file,
      });
    } else if (verdict.compatible === undefined) {
      warnings.push(`subject ${declaration.subject}: compatibility under ${level} with ${against} is left to the registry (${verdict.undecided.slice(0, 3).join('; ')}).`);
    } else {
      compatible += 1;
    }
  }
  const removed = [...baseline.bySubject.keys()].filter((subject) => !set.bySubject.has(subject) && !set.declarations.some((declaration) => declaration.subject === subject));
  for (const subject of removed) warnings.push(`subject ${subject} is declared at ${against} but no longer here; synchook never deletes subjects (teardown does, for ephemeral environments).`);
  const changed = set.ordered.length - unchanged - added;
  checked.push(`against ${against}: ${changed} changed (${compatible} compatible, ${violations.length} incompatible), ${added} new, ${unchanged} unchanged${docsOnly.length > 0 ? ` (${docsOnly.length} with only docs changed)` : ''}`);
  if (docsOnly.length > 0) {
    warnings.push(
      `only docs changed in ${docsOnly.length === 1 ? `subject ${docsOnly[0]}` : `subjects ${docsOnly.join(', ')}`}; docs are not part of the normalized form, so no new version is registered and the registry keeps the earlier docs (set schemas.normalize: false to register doc changes as new versions).`,
    );
  }
  if (oneVersionOnly.length > 0) {
    warnings.push(
      `${oneVersionOnly.length === 1 ? `subject ${oneVersionOnly[0]} has` : `subjects ${oneVersionOnly.join(', ')} have`} a transitive level, but ${against} holds only one version of each, so only that version was checked, not every earlier one. Give a git ref to --against (e.g. origin/main) to check every version in its history.`,
    );
  }
  if (assumed > 0) checked.push(`${assumed} changed subject${assumed === 1 ? ' has' : 's have'} no configured level; checked under ${ASSUMED_LEVEL}, the registries' default`);
  return { checked, warnings, violations };
}

function sameReferences(a: ReadonlyArray<{ name: string; subject: string; version: number | 'latest' }>, b: ReadonlyArray<{ name: string; subject: string; version: number | 'latest' }>): boolean {
  const key = (reference: { name: string; subject: string; version: number | 'latest' }) => `${reference.name}\u0000${reference.subject}\u0000${reference.version}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

/**
 * A subject's versions in the history of a git baseline: every commit up to the ref that changed
 * its schema file, each read as the config's folder was at that commit (so its references resolve
 * as they did then). A commit where the subject or its file cannot be read is reported, not fatal.
 */
async function historyOf(source: FileSource, section: SchemasSection, subject: string, file: string): Promise<SubjectHistory> {
  const commits = source.history!(file);
  const versions: EarlierSchema[] = [];
  const unreadable: string[] = [];
  for (const { commit, title, source: then } of commits) {
    const label = `the version of ${commit.slice(0, 12)} ("${title.length > 60 ? `${title.slice(0, 57)}...` : title}")`;
    try {
      const found = (await loadSchemaSet(then, section, { shownSuffix: ` (at ${commit.slice(0, 12)})`, only: subject })).bySubject.get(subject);
      if (found) versions.push({ schema: found.schema, label });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      unreadable.push(`${label} could not be read (${messageOf(error).split('\n')[0]})`);
    }
  }
  return { versions: versions.reverse(), unreadable, truncated: commits.length >= MAX_HISTORY_COMMITS };
}
