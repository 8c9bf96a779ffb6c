import { loadConfigFile, parseConfigText, type LoadedConfig } from './config/load.js';
import type { Environment } from './config/interpolate.js';
import { composeConfigSchema, configJsonSchema, type ComposedConfig, type CoreConfig, type TaskCommon } from './config/schema.js';
import { TASKS_BY_KEY } from './tasks/registry.js';
import type { TaskDefinition } from './tasks/types.js';

// The full config: the core sections composed with every registered task's section. It lives
// above config/ and tasks/ so that config imports no task.

const SynchookConfigSchema = composeConfigSchema(TASKS_BY_KEY);

/** The validated config, with every task's section typed by the task's own schema. */
export type SynchookConfig = ComposedConfig<typeof TASKS_BY_KEY>;

export type LoadedSynchookConfig = LoadedConfig<SynchookConfig>;

export function loadConfig(path: string, env?: Environment): LoadedSynchookConfig {
  return loadConfigFile(SynchookConfigSchema, path, env);
}

export function parseConfig(text: string, options: { file: string; displayName?: string; env?: Environment }): LoadedSynchookConfig {
  return parseConfigText(SynchookConfigSchema, text, options);
}

/** A task's section of the config, with the keys every task section has; undefined when absent. */
export function taskSection(config: CoreConfig, task: TaskDefinition): (Record<string, unknown> & TaskCommon) | undefined {
  // Indexed by a key known only at run time (tests bring tasks of their own).
  return (config as Record<string, unknown>)[task.configKey] as (Record<string, unknown> & TaskCommon) | undefined;
}

export function synchookJsonSchema(): Record<string, unknown> {
  return configJsonSchema(SynchookConfigSchema);
}
