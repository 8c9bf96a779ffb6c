import { definePlanApplyTask } from '../types.js';
import { SchemasSection } from './config.js';
import { loadDeclarations } from './declarations.js';
import type { SchemasPlanState } from './plan.js';
import { folderSource } from './sources.js';

// The schema libraries (avsc, ajv, protobufjs) load only when the task runs: every command
// imports the task list, and most never touch a schema.

export const schemasTask = definePlanApplyTask<typeof SchemasSection, SchemasPlanState>({
  name: 'schemas',
  phase: 'presync',
  configKey: 'schemas',
  configSchema: SchemasSection,
  description: 'Register the declared schemas in the schema registry after checking their compatibility, and set the declared compatibility levels.',
  plan: async (ctx, section) => (await import('./plan.js')).planSchemas(ctx, section),
  apply: async (ctx, section, plan) => (await import('./apply.js')).applySchemas(ctx, section, plan),
  validate: async (ctx, section) => (await import('./offline.js')).validateSchemas(ctx, section),
  describePlan: (plan) => {
    const figures = plan.figures ?? {};
    const parts = [
      figures.create ? `${figures.create} new subject${figures.create === 1 ? '' : 's'}` : undefined,
      figures.update ? `${figures.update} new version${figures.update === 1 ? '' : 's'}` : undefined,
      figures.compatibility ? `${figures.compatibility} compatibility level${figures.compatibility === 1 ? '' : 's'}` : undefined,
    ].filter(Boolean);
    return parts.length > 0 ? `plan: ${parts.join(', ')} (${figures.unchanged ?? 0} unchanged)` : `no changes (${figures.subjects ?? 0} subjects up to date)`;
  },
});

/**
 * The subjects a config declares (`<topic>-key` / `<topic>-value` included), from its subjects
 * files alone: what `synchook teardown` may delete from the registry, and nothing else. Throws a
 * ConfigError naming the file and line when a subjects file is missing or malformed.
 */
export function listDeclaredSubjects(configDir: string, section: Pick<SchemasSection, 'files' | 'compatibility'>): string[] {
  return loadDeclarations(folderSource(configDir, 'the config folder'), section.files ?? [], section.compatibility).map((declaration) => declaration.subject);
}

export { SchemasSection } from './config.js';
;
