import { aclsTask } from './acls/index.js';
import { connectHealthTask, connectorsTask } from './connectors/index.js';
import { healthTask } from './health/index.js';
import { quotasTask } from './quotas/index.js';
import { schemasTask } from './schemas/index.js';
import { smokeTask } from './smoke/index.js';
import { terraformTask } from './terraform/index.js';
import { topicsTask } from './topics/index.js';
import type { TaskDefinition } from './types.js';

/**
 * Every task synchook knows, keyed by its config section, in the order they run within a phase.
 * A task's config section is accepted only once the task is listed here; until then the key is
 * rejected as unknown. Registering a task is one line here.
 */
export const TASKS_BY_KEY = {
  schemas: schemasTask,
  topics: topicsTask,
  acls: aclsTask,
  quotas: quotasTask,
  connectors: connectorsTask,
  terraform: terraformTask,
  smoke: smokeTask,
  health: healthTask,
  'connect-health': connectHealthTask,
} as const satisfies Record<string, TaskDefinition>;

export const TASKS: readonly TaskDefinition[] = Object.values(TASKS_BY_KEY);
