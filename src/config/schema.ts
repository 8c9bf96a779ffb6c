import { z } from 'zod';
import { TASKS } from '../tasks/registry.js';
import { ClusterConfig, Duration, FilePath, RegistryConfig, Size } from './common.js';
import { ReportConfig } from '../report/config.js';
import { RunLockConfig } from './lock.js';
import { ConnectClustersConfig } from './connect.js';

/** Keys every task section accepts besides its own. */
const TaskCommon = {
  timeout: Duration.optional().meta({ description: "This task's deadline; the global timeout still applies." }),
  enabled: z.boolean().default(true).meta({ description: 'Set false to keep the section but skip the task.' }),
};

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
  lock: RunLockConfig.prefault({}).meta({ description: 'The run lock held in Kafka: one presync applies at a time per managed prefix.' }),
};

function taskSections(): Record<string, z.ZodType> {
  const sections: Record<string, z.ZodType> = {};
  for (const task of TASKS) {
    sections[task.configKey] = task.configSchema.extend(TaskCommon).optional().meta({ description: task.description });
  }
  return sections;
}

export const SynchookConfigSchema = z.strictObject({ ...coreSections, ...taskSections() });

type CoreConfig = z.output<z.ZodObject<typeof coreSections>>;
/** The validated config. Task sections are typed by each task's own schema. */
export type SynchookConfig = CoreConfig & Record<string, unknown>;

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SynchookConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://synchook.dev/schema/synchook.schema.json',
    title: 'synchook configuration',
    ...schema,
  };
}
