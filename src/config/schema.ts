import { z } from 'zod';
import { ClusterConfig, Duration, FilePath, RegistryConfig, Size } from './common.js';
import { ReportConfig } from './report.js';
import { RunLockConfig } from './lock.js';
import { AsyncApiSection } from './asyncapi.js';
import { ConnectClustersConfig } from './connect.js';

/** Keys every task section accepts besides its own. */
const TaskCommon = {
  timeout: Duration.optional().meta({ description: "This task's deadline; the global timeout still applies." }),
  enabled: z.boolean().default(true).meta({ description: 'Set false to keep the section but skip the task.' }),
};
export type TaskCommon = z.output<z.ZodObject<typeof TaskCommon>>;

const coreSections = {
  $schema: z.string().optional().meta({ description: 'Path or URL of this JSON Schema, for editors.' }),
  environment: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/, { message: 'use lower-case letters, digits, ".", "_" or "-" (e.g. dev, staging, prod)' })
    .default('default')
    .meta({ description: 'Name of the environment (dev, staging, prod); used in reports and status contexts.' }),
  timeout: Duration.prefault('10m').meta({ description: 'Deadline of the whole run; --timeout overrides it.' }),
  cluster: ClusterConfig.optional().meta({ description: 'How to reach Kafka.' }),
  registry: RegistryConfig.optional().meta({ description: 'How to reach the Confluent-compatible schema registry.' }),
  connect: ConnectClustersConfig.optional().meta({ description: 'The Kafka Connect clusters the connectors tasks talk to, by name.' }),
  input: z
    .strictObject({
      allowedRoots: z.array(FilePath).default([]).meta({
        description: 'Folders besides the config file\'s own whose files declarations may name (e.g. ../shared for schemas shared by environments). Every declaration path must lie, after following links, in the config folder or one of these.',
      }),
      maxFileSize: Size.optional().meta({ description: 'Largest declaration file read (topics, ACLs, subjects, a schema, a plan JSON); 8MiB by default.' }),
      maxTotalSize: Size.optional().meta({ description: 'Most read in total for one run, the config included; 16MiB by default. Raise it with the Job\'s memory limit.' }),
    })
    .optional()
    .meta({ description: 'Which files synchook may read, and how much.' }),
  report: ReportConfig.optional().meta({ description: 'Where results are reported: commit statuses on GitHub.' }),
  asyncapi: AsyncApiSection.optional(),
  lock: RunLockConfig.prefault({}).meta({ description: 'The run lock held in Kafka: one presync applies at a time per managed prefix.' }),
};

/** The sections every config has, whichever tasks exist. */
export type CoreConfig = z.output<z.ZodObject<typeof coreSections>>;

/** What the config needs to know of a task: its key, its section's schema and a description. */
export interface TaskSectionSpec {
  configKey: string;
  configSchema: z.ZodObject;
  description: string;
}

/** The config with one optional, typed section per task, keyed as in `tasks`. */
export type ComposedConfig<Tasks extends Record<string, TaskSectionSpec>> = CoreConfig & {
  [Key in keyof Tasks]?: z.output<Tasks[Key]['configSchema']> & TaskCommon;
};

/**
 * The full config schema: the core sections and, for every task, its own section extended by the
 * keys every task accepts. The caller brings the tasks (config knows none of them); `tasks` maps
 * each task's config key to the task.
 */
export function composeConfigSchema<Tasks extends Record<string, TaskSectionSpec>>(tasks: Tasks): z.ZodType<ComposedConfig<Tasks>> {
  const sections: Record<string, z.ZodType> = {};
  for (const [key, task] of Object.entries(tasks)) {
    if (task.configKey !== key) throw new Error(`task section ${key} is registered under a key other than its configKey ${task.configKey}`);
    sections[key] = task.configSchema.extend(TaskCommon).optional().meta({ description: task.description });
  }
  // The loop loses the per-key types that ComposedConfig states; the shape is the same.
  return z.strictObject({ ...coreSections, ...sections }) as unknown as z.ZodType<ComposedConfig<Tasks>>;
}

export function configJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://synchook.dev/schema/synchook.schema.json',
    title: 'synchook configuration',
    ...json,
  };
}
