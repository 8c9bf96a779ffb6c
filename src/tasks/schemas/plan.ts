import type { PlannedChange, TaskContext, TaskPlan, Violation } from '../types.js';
import { checkCompatibility, describeFindings, isTransitive, type EarlierSchema } from './compat/index.js';
import type { CompatibilityLevel, SchemasSection, SchemaType } from './config.js';
import type { ResolvedSchema } from './formats/index.js';
import { loadSchemaSet, type DeclaredSchema } from './load.js';
import { runInDependencyOrder } from './pool.js';
import { registeredSchemas, type RegisteredSchemas } from './registered.js';
import { schemaBody, schemaRegistryApi, type RegisteredVersion, type SchemaRegistryApi } from './registry-api.js';
import { folderSource } from './sources.js';
import { withAsyncApiSubjects } from './asyncapi.js';

/** A reference as it will be registered: a known version, or the version this run registers. */
export interface PlannedReference {
  name: string;
  subject: string;
  version: number | 'registered in this run';
}

/** A subject's compatibility level set by the plan (the registry's per-subject config). */
export interface CompatibilityChange {
  /** The subject's own level before, when it has one. */
  from?: CompatibilityLevel;
  /** The level that applied before (the global one when the subject has none). */
  effective?: CompatibilityLevel;
  to: CompatibilityLevel;
  /** Existing subjects: before registering (the new level governs the new version). New ones: after the first version. */
  when: 'before' | 'after';
}

export interface SubjectPlan {
  subject: string;
  type: SchemaType;
  file: string;
  action: 'create' | 'update' | 'none';
  /** The text to register. */
  text: string;
  references: PlannedReference[];
  /** The registered version equal to the declared schema (action none), or the latest before this run. */
  version?: number;
  config?: CompatibilityChange;
  /** Why the new version's compatibility was decided by synchook's checker rather than the registry's check. */
  checkedOffline?: string;
}

export interface SchemasPlanState {
  /** In registration order. */
  subjects: SubjectPlan[];
}

/** The registry's verdicts for every declared subject; nothing is written. */
export async function planSchemas(ctx: TaskContext, section: SchemasSection): Promise<TaskPlan<SchemasPlanState>> {
  const api = schemaRegistryApi(ctx.clients.registry(), { signal: ctx.signal, normalize: section.normalize });
  const registered = registeredSchemas(api, section.normalize);
  const asyncapi = await withAsyncApiSubjects(folderSource(ctx.configDir, 'the config folder'), section, ctx.config, ctx.configDir);
  const set = await loadSchemaSet(asyncapi.source, section, {
    external: (subject, version) => registered.get(subject, version),
    extra: asyncapi.extra,
  });

  const violations: Violation[] = [...asyncapi.violations];
  const warnings: string[] = [...set.warnings];
  const declared = new Set(set.ordered.map((item) => item.declaration.subject));
  const { results, failures } = await runInDependencyOrder<DeclaredSchema, SubjectPlan>(
    set.ordered,
    {
      limit: section.concurrency,
      key: (item) => item.declaration.subject,
      dependencies: (item) => item.declaration.references.map((reference) => reference.subject).filter((subject) => declared.has(subject)),
    },
    (item, done) => planSubject(item, done, { api, registered, violations, warnings }),
  );
  const failure = failures.values().next();
  if (!failure.done) throw failure.value;
  for (const [key, reason] of registered.unparsable) warnings.push(`${key.replace('@', ' version ')} in the registry could not be parsed here (${reason}); offline explanations skip it.`);

  const subjects = set.ordered.map((item) => results.get(item.declaration.subject)!);
  // Subjects are planned concurrently; report in registration order, the same on every run.
  const position = new Map(subjects.map((subject, index) => [`subject ${subject.subject}`, index]));
  violations.sort((a, b) => (position.get(a.resource) ?? 0) - (position.get(b.resource) ?? 0));
  const changes = subjects.flatMap(describeSubjectChange);
  const figures = {
    subjects: subjects.length,
    create: subjects.filter((subject) => subject.action === 'create').length,
    update: subjects.filter((subject) => subject.action === 'update').length,
    unchanged: subjects.filter((subject) => subject.action === 'none').length,
    compatibility: subjects.filter((subject) => subject.config).length,
  };
  return { task: 'schemas', changes, violations, warnings, figures, state: { subjects } };
}

interface PlanEnv {
  api: SchemaRegistryApi;
  registered: RegisteredSchemas;
  violations: Violation[];
  warnings: string[];
}

async function planSubject(item: DeclaredSchema, done: ReadonlyMap<string, SubjectPlan>, env: PlanEnv): Promise<SubjectPlan> {
  const { declaration, schema } = item;
  const { subject } = declaration;
  const violate = (message: string, rule: string) => env.violations.push({ resource: `subject ${subject}`, message, rule, file: declaration.file });

  const references: PlannedReference[] = declaration.references.map((reference) => {
    const dependency = done.get(reference.subject);
    if (reference.version !== 'latest') return { name: reference.name, subject: reference.subject, version: reference.version };
    // A "latest" reference always names a declared subject (checked when loading).
    const version = dependency!.action === 'none' ? dependency!.version! : 'registered in this run';
    return { name: reference.name, subject: reference.subject, version };
  });
  const pending = references.some((reference) => reference.version === 'registered in this run');
  const plan: SubjectPlan = { subject, type: declaration.type, file: declaration.file, action: 'none', text: schema.text, references };

  const latest = await env.api.latest(subject);
  // A new subject gets its level after its first version whatever it holds now (setting it is idempotent).
  const levels = declaration.compatibility && latest ? await currentLevels(env.api, subject) : undefined;

  if (!latest) {
    plan.action = 'create';
  } else {
    plan.version = latest.version;
    if (latest.schemaType !== declaration.type) {
      violate(`the subject holds ${latest.schemaType} schemas and the declared schema (${declaration.file}) is ${declaration.type}; a subject keeps one schema type. Register the new type under a new subject.`, 'schema-type-change');
      return plan;
    }
    const sameReferences = !pending && referencesEqual(references, latest.references);
    const same = sameReferences ? await sameSchema(latest, schema, env.registered) : undefined;
    if (same) {
      plan.action = 'none';
      if (same.docsDiffer) {
        env.warnings.push(
          `subject ${subject}: only docs differ between ${declaration.file} and version ${latest.version}; docs are not part of the normalized form, so no new version is registered and the registry keeps the docs of version ${latest.version} (set schemas.normalize: false to register doc changes as new versions).`,
        );
      }
    } else if (!pending) {
      const lookup = await env.api.lookup(subject, schemaBody(declaration.type, schema.text, references as RegisteredReferenceList));
      if ('found' in lookup) {
        plan.action = 'none';
        plan.version = lookup.found.version;
        if (lookup.found.version !== latest.version) {
          env.warnings.push(`subject ${subject}: the declared schema equals version ${lookup.found.version}, not the latest version ${latest.version}; the registry does not register a schema twice, so the latest stays version ${latest.version}.`);
        }
      } else if (lookup.missing === 'reference') {
        violate(`a reference of the declared schema does not exist in the registry (${lookup.message}). Pin a version that exists.`, 'missing-reference');
        return plan;
      } else {
        plan.action = 'update';
      }
    } else {
      plan.action = 'update';
    }
  }

  if (declaration.compatibility && !latest) {
    plan.config = { to: declaration.compatibility, when: 'after' };
  } else if (declaration.compatibility && levels) {
    const desired = declaration.compatibility;
    const { pinned, effective } = levels;
    if (!(pinned === desired && effective === desired)) {
      if (desired === 'NONE' && pinned === 'NONE' && effective !== undefined && effective !== 'NONE') {
        violate(
          `compatibility NONE is configured, but the registry reports NONE for the subject while applying ${effective} (the registry treats a subject-level NONE as "no subject rule" and falls back to its global level, as Apicurio Registry does). Choose another level for the subject, or set the registry's global level to NONE.`,
          'compatibility-none-unsupported',
        );
      } else {
        plan.config = { from: pinned === 'NONE' && effective !== 'NONE' ? undefined : pinned, effective, to: desired, when: plan.action === 'create' ? 'after' : 'before' };
      }
    }
  }

  if (plan.action === 'update') await checkUpdate(item, plan, latest!, levels, pending, env, violate);
  return plan;
}

type RegisteredReferenceList = Array<{ name: string; subject: string; version: number }>;

/**
 * The subject's own level and the level that applies to it. A subject's own level other than NONE
 * applies on every registry; NONE or none at all need a second question (Apicurio answers NONE for
 * "no subject rule" and then applies its global level).
 */
async function currentLevels(api: SchemaRegistryApi, subject: string): Promise<{ pinned?: CompatibilityLevel; effective?: CompatibilityLevel }> {
  const pinned = await api.config(subject, false);
  if (pinned !== undefined && pinned !== 'NONE') return { pinned, effective: pinned };
  const effective = (await api.config(subject, true)) ?? (await api.globalConfig());
  return { pinned, effective };
}

/**
 * Same schema as a registered version: the very same text (what synchook registers), or the same
 * normalized form, which leaves docs out (docsDiffer: only they differ); undefined when different.
 */
async function sameSchema(latest: RegisteredVersion, schema: ResolvedSchema, registered: RegisteredSchemas): Promise<{ docsDiffer: boolean } | undefined> {
  if (latest.schema === schema.text) return { docsDiffer: false };
  const parsed = await registered.resolve(latest);
  if (parsed === undefined || parsed.key !== schema.key) return undefined;
  return { docsDiffer: parsed.text !== schema.text };
}

function referencesEqual(planned: readonly PlannedReference[], registered: ReadonlyArray<{ name: string; subject: string; version: number }>): boolean {
  const key = (reference: { name: string; subject: string; version: number | string }) => `${reference.name}\u0000${reference.subject}\u0000${reference.version}`;
  const a = planned.map(key).sort();
  const b = registered.map(key).sort();
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/**
 * An existing subject gets a new version: ask the registry (the verdict that counts) at its current
 * level; explain a refusal with the offline checker when the registry gives no reasons; and check
 * offline at the configured level when it differs, or when a reference is registered in this run
 * (the registry cannot check a reference to a version that does not exist yet).
 */
async function checkUpdate(
  item: DeclaredSchema,
  plan: SubjectPlan,
  latest: RegisteredVersion,
  levels: { pinned?: CompatibilityLevel; effective?: CompatibilityLevel } | undefined,
  pending: boolean,
  env: PlanEnv,
  violate: (message: string, rule: string) => void,
): Promise<void> {
  const { declaration, schema } = item;
  const current = levels?.effective ?? (await env.api.config(declaration.subject, true)) ?? (await env.api.globalConfig()) ?? 'BACKWARD';
  const target = declaration.compatibility ?? current;
  const earlier = async (level: CompatibilityLevel): Promise<EarlierSchema[]> => {
    if (isTransitive(level)) return (await env.registered.all(declaration.subject)).map(({ version, schema: parsed }) => ({ schema: parsed, label: `version ${version}` }));
    const parsed = await env.registered.resolve(latest);
    return parsed ? [{ schema: parsed, label: `version ${latest.version}` }] : [];
  };

  // Apicurio Registry 3.0.9's compatibility endpoint cannot resolve references: a subject whose new
  // or latest version has references gets 422 "invalid Avro schema" (Avro) or 500 (JSON Schema,
  // "MalformedURLException") for a valid schema, while registering the same schema applies the
  // rule correctly (checked against the registry). Protobuf imports resolve. So such subjects are
  // checked offline here, and the registry checks again when registering.
  const referencing = declaration.type !== 'PROTOBUF' && (plan.references.length > 0 || latest.references.length > 0);
  if (!pending && !referencing) {
    const answer = await env.api.compatibility(declaration.subject, isTransitive(current) ? 'all' : 'latest', schemaBody(declaration.type, schema.text, plan.references as RegisteredReferenceList));
    if (answer.invalid) {
      violate(`the registry refuses the schema as invalid: ${answer.messages.join('; ')}. Fix ${declaration.file}.`, 'invalid-schema');
      return;
    }
    if (!answer.compatible) {
      const explained = answer.messages.length > 0 ? undefined : await explain(current);
      const reasons =
        answer.messages.length > 0
          ? answer.messages.map(cleanRegistryMessage).join('; ')
          : explained
            ? `${explained} (the registry gave no reason; explained by synchook's offline checker)`
            : declaration.type === 'PROTOBUF'
              ? 'the registry gave no reason, and synchook checks Protobuf compatibility only through the registry (common causes: a field type, number or name changed, a field or message removed)'
              : 'the registry gave no reason and the offline checker found none';
      violate(`the new schema in ${declaration.file} is incompatible under ${current} (registry check against ${isTransitive(current) ? 'every version' : `version ${latest.version}`}): ${reasons}. Nothing was registered.`, 'incompatible-schema');
      return;
    }
  }
  if (pending || referencing || target !== current) {
    const verdict = checkCompatibility(target, schema, await earlier(target));
    const why = pending ? 'a reference is registered in this run' : referencing ? "the registry's compatibility check does not resolve references" : `the level changes to ${target}`;
    plan.checkedOffline = `compatibility under ${target} checked offline (${why}); the registry checks again when registering`;
    if (verdict.compatible === false) {
      violate(`the new schema in ${declaration.file} is incompatible under ${target} (offline check, as ${why}): ${describeFindings(verdict.findings)}. Nothing was registered.`, 'incompatible-schema');
    } else if (verdict.compatible === undefined) {
      env.warnings.push(`subject ${declaration.subject}: ${why}, so the registry checks compatibility under ${target} only when registering; the offline check could not decide (${verdict.undecided.slice(0, 3).join('; ')}).`);
    }
  }

  async function explain(level: CompatibilityLevel): Promise<string | undefined> {
    const verdict = checkCompatibility(level, schema, await earlier(level));
    return verdict.findings.length > 0 ? describeFindings(verdict.findings) : undefined;
  }
}

/** Apicurio wraps its reasons in a Java exception name; keep what a person reads. */
function cleanRegistryMessage(message: string): string {
  return message.replace(/^[a-z0-9_.]+(Exception|Error):\s*/i, '');
}

export function describeSubjectChange(plan: SubjectPlan): PlannedChange[] {
  const lines: string[] = [];
  for (const reference of plan.references) lines.push(`reference ${reference.name} → ${reference.subject} ${typeof reference.version === 'number' ? `version ${reference.version}` : `(${reference.version})`}`);
  if (plan.config) {
    const from = plan.config.from ?? (plan.config.effective ? `${plan.config.effective} (global level)` : 'unset');
    lines.unshift(`compatibility ${plan.action === 'create' ? '' : `${from} → `}${plan.config.to}${plan.config.when === 'after' ? ' (set after the first version)' : ''}`);
  }
  if (plan.action === 'create') return [{ action: 'create', resource: subjectResource(plan.subject), detail: `new ${plan.type} subject from ${plan.file}`, lines }];
  if (plan.action === 'update') {
    if (plan.checkedOffline) lines.push(plan.checkedOffline);
    return [{ action: 'update', resource: subjectResource(plan.subject), detail: `${plan.type} version ${plan.version} → new version from ${plan.file}`, lines }];
  }
  if (plan.config) return [{ action: 'update', resource: subjectResource(plan.subject), detail: `compatibility ${plan.config.from ?? `${plan.config.effective ?? 'unset'} (global level)`} → ${plan.config.to}` }];
  return [];
}


/** The resource a subject's planned change names; an apply records its confirmations under it. */
export function subjectResource(subject: string): string {
  return `subject ${subject}`;
}
