import { ConfigError, messageOf } from '../../errors.js';
import type { OfflineContext, ValidationReport, Violation } from '../types.js';
import { checkCompatibility, describeFindings } from './compat/index.js';
import type { CompatibilityLevel, SchemasSection } from './config.js';
import { loadSchemaSet, type SchemaSet } from './load.js';
import { baselineSource, folderSource } from './sources.js';

/** The level assumed offline for a subject without a configured one: the registries' default. */
const ASSUMED_LEVEL: CompatibilityLevel = 'BACKWARD';

/**
 * `synchook validate`: every schema parsed and validated with its references, and with
 * `--against <folder|git ref>` every changed schema checked for compatibility with its baseline
 * version at the subject's level, without a registry.
 */
export async function validateSchemas(ctx: OfflineContext, section: SchemasSection): Promise<ValidationReport> {
  const set = await loadSchemaSet(folderSource(ctx.configDir, 'the config folder'), section);
  const types = countBy(set.declarations.map((declaration) => declaration.type));
  const checked = [`${set.declarations.length} subject${set.declarations.length === 1 ? '' : 's'} (${Object.entries(types).map(([type, count]) => `${count} ${type}`).join(', ') || 'none'}) parsed and validated`];
  const warnings = [...set.warnings, ...set.unchecked.map(({ declaration, reason }) => `subject ${declaration.subject}: not validated offline: it ${reason}.`)];
  const violations: Violation[] = [];
  if (ctx.against) {
    const against = ctx.against;
    const source = baselineSource(ctx.configDir, against);
    const compared = await compareSchemaSets(set, against, () => loadSchemaSet(source, section, { shownSuffix: ` (at ${against})` }));
    checked.push(...compared.checked);
    warnings.push(...compared.warnings);
    violations.push(...compared.violations);
  }
  return { checked, warnings, violations };
}

export async function compareSchemaSets(
  set: SchemaSet,
  against: string,
  loadBaseline: () => Promise<SchemaSet>,
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
  for (const { declaration, schema } of set.ordered) {
    const base = baseline.bySubject.get(declaration.subject);
    if (!base) {
      added += 1;
      continue;
    }
    if (base.schema.key === schema.key && sameReferences(base.declaration.references, declaration.references)) {
      unchanged += 1;
      continue;
    }
    const level = declaration.compatibility ?? ASSUMED_LEVEL;
    if (!declaration.compatibility) assumed += 1;
    const verdict = checkCompatibility(level, schema, [{ schema: base.schema, label: `the version at ${against}` }]);
    if (verdict.compatible === false) {
      violations.push({
        resource: `subject ${declaration.subject}`,
        message: `the schema in ${declaration.file} is incompatible under ${level}${declaration.compatibility ? '' : ' (assumed: no level configured)'} with its version at ${against}: ${describeFindings(verdict.findings)}.`,
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
  checked.push(`against ${against}: ${changed} changed (${compatible} compatible, ${violations.length} incompatible), ${added} new, ${unchanged} unchanged`);
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
