import { RegistryHttpError } from '../../clients/registry.js';
import { SynchookError, TaskFailedError, exitCodeOf, messageOf } from '../../errors.js';
import type { PlannedChange, TaskContext, TaskOutcome, TaskPlan } from '../types.js';
import type { CompatibilityLevel, SchemasSection } from './config.js';
import { describeSubjectChange, subjectResource, type SchemasPlanState, type SubjectPlan } from './plan.js';
import { limiter, runInDependencyOrder } from './pool.js';
import { IncompatibleRegistrationError, schemaBody, schemaRegistryApi, type SchemaRegistryApi } from './registry-api.js';

/**
 * Applies a plan: compatibility levels of existing subjects first (the new level governs the new
 * version), then registrations in dependency order, each new subject getting its level right after
 * its first version (a registry may refuse a level for a subject that does not exist yet, and the
 * first version is checked against nothing anyway). Nothing is ever deleted.
 */
export async function applySchemas(ctx: TaskContext, section: SchemasSection, plan: TaskPlan<SchemasPlanState>): Promise<TaskOutcome> {
  const api = schemaRegistryApi(ctx.clients.registry(), { signal: ctx.signal, normalize: section.normalize });
  const subjects = plan.state?.subjects ?? [];
  const applied: PlannedChange[] = [];
  /** What was written so far, for the message when a later step fails. */
  const written: string[] = [];
  const counts = { created: 0, versions: 0, levels: 0 };

  const confirmed = (subject: SubjectPlan) => {
    applied.push(...describeSubjectChange(subject));
    ctx.applied?.confirmed(subjectResource(subject.subject));
  };
  const setLevel = async (subject: string, level: CompatibilityLevel) => {
    ctx.applied?.sent([subjectResource(subject)]);
    await api.setConfig(subject, level);
    written.push(`compatibility of ${subject} set to ${level}`);
    if (level === 'NONE') await verifyLevel(api, subject, level);
    counts.levels += 1;
  };

  try {
    const run = limiter(section.concurrency);
    const before = subjects.filter((subject) => subject.config?.when === 'before');
    const levelResults = await Promise.allSettled(
      before.map((subject) =>
        run(async () => {
          await setLevel(subject.subject, subject.config!.to);
          if (subject.action === 'none') confirmed(subject);
        }),
      ),
    );
    const levelFailure = levelResults.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (levelFailure) throw levelFailure.reason;

    const inRun = new Set(subjects.map((subject) => subject.subject));
    const neededVersions = new Set(subjects.flatMap((subject) => subject.references.filter((reference) => reference.version === 'registered in this run').map((reference) => reference.subject)));
    const versions = new Map<string, number>();
    const { failures } = await runInDependencyOrder(
      subjects,
      {
        limit: section.concurrency,
        key: (subject) => subject.subject,
        dependencies: (subject) => subject.references.map((reference) => reference.subject).filter((name) => inRun.has(name)),
      },
      async (subject) => {
        if (subject.action === 'none') return;
        ctx.applied?.sent([subjectResource(subject.subject)]);
        await register(api, subject, versions, neededVersions.has(subject.subject)).catch((error: unknown) => {
          // A refusal is an answer: the version was not registered.
          if (error instanceof RegistryHttpError || error instanceof IncompatibleRegistrationError) ctx.applied?.answered([subjectResource(subject.subject)]);
          throw error;
        });
        written.push(`${subject.subject} registered`);
        counts[subject.action === 'create' ? 'created' : 'versions'] += 1;
        if (subject.config?.when === 'after') await setLevel(subject.subject, subject.config.to);
        confirmed(subject);
      },
    );
    const failure = failures.entries().next();
    if (!failure.done) {
      const [subject, error] = failure.value;
      if (error instanceof IncompatibleRegistrationError) throw new TaskFailedError(`subject ${subject}: the registry refused the new version as incompatible: ${error.registryMessage}.`);
      if (error instanceof RegistryHttpError && error.status === 422) {
        throw new TaskFailedError(`subject ${subject}: the registry refused the schema as invalid (${error.registryMessage}). Fix the schema file and run again.`);
      }
      throw new SynchookError(`subject ${subject}: ${messageOf(error)}`, exitCodeOf(error), { cause: error });
    }
  } catch (error) {
    throw new SynchookError(`${messageOf(error)} ${describeWritten(written)}`, exitCodeOf(error), { cause: error });
  }

  // Registrations finish in any order; report them in the plan's order.
  const position = new Map(subjects.map((subject, index) => [`subject ${subject.subject}`, index]));
  applied.sort((a, b) => (position.get(a.resource) ?? 0) - (position.get(b.resource) ?? 0));
  const parts = [
    counts.created ? `${counts.created} subject${counts.created === 1 ? '' : 's'} created` : undefined,
    counts.versions ? `${counts.versions} new version${counts.versions === 1 ? '' : 's'}` : undefined,
    counts.levels ? `${counts.levels} compatibility level${counts.levels === 1 ? '' : 's'} set` : undefined,
  ].filter(Boolean);
  const unchanged = subjects.filter((subject) => subject.action === 'none' && !subject.config).length;
  return {
    summary: parts.length > 0 ? `${parts.join(', ')}${unchanged ? `, ${unchanged} unchanged` : ''}` : `no changes (${subjects.length} subjects up to date)`,
    figures: { subjects: subjects.length, created: counts.created, versions: counts.versions, levels: counts.levels, unchanged },
    changes: applied,
  };
}

async function register(api: SchemaRegistryApi, subject: SubjectPlan, versions: Map<string, number>, needVersion: boolean): Promise<void> {
  const references = subject.references.map((reference) => {
    if (typeof reference.version === 'number') return { name: reference.name, subject: reference.subject, version: reference.version };
    const version = versions.get(reference.subject);
    if (version === undefined) throw new TaskFailedError(`the version of ${reference.subject} registered in this run is unknown, so ${subject.subject} cannot reference it. Run again.`);
    return { name: reference.name, subject: reference.subject, version };
  });
  const body = schemaBody(subject.type, subject.text, references);
  await api.register(subject.subject, body);
  if (needVersion) {
    // The register answer holds only the schema id; the lookup gives the version dependents reference.
    const lookup = await api.lookup(subject.subject, body);
    if (!('found' in lookup)) throw new TaskFailedError(`subject ${subject.subject} was registered, but the registry does not find it again (${lookup.message}). Run again.`);
    versions.set(subject.subject, lookup.found.version);
  }
}

/**
 * A registry may accept a level and not apply it: Apicurio Registry takes a subject-level NONE as
 * "no subject rule" and keeps applying its global level. Only NONE is known to behave so, so only
 * NONE is read back (one request per subject saved for every other level).
 */
async function verifyLevel(api: SchemaRegistryApi, subject: string, level: CompatibilityLevel): Promise<void> {
  const effective = (await api.config(subject, true)) ?? (await api.config(subject, false));
  if (effective !== undefined && effective !== level) {
    throw new TaskFailedError(
      `subject ${subject}: the registry accepted compatibility ${level} but applies ${effective}${level === 'NONE' ? ' (it treats a subject-level NONE as "no subject rule" and falls back to its global level)' : ''}. Choose another level for the subject, or change the registry's global level.`,
    );
  }
}

function describeWritten(written: readonly string[]): string {
  if (written.length === 0) return 'Nothing was applied.';
  const shown = written.slice(0, 10).join('; ');
  return `Applied before the failure: ${shown}${written.length > 10 ? `; and ${written.length - 10} more` : ''}. Fix the cause and run again; applied changes are not repeated.`;
}
