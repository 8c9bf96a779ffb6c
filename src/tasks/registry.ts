import { aclsTask } from './acls/index.js';
import { connectHealthTask, connectorsTask } from './connectors/index.js';
import { healthTask } from './health/index.js';
import { schemasTask } from './schemas/index.js';
import { smokeTask } from './smoke/index.js';
import { terraformTask } from './terraform/index.js';
import { topicsTask } from './topics/index.js';
import type { TaskDefinition } from './types.js';

/**
 * Every task synchook knows, in the order they run within a phase. A task's config section is
 * accepted only once the task is listed here; until then the key is rejected as unknown.
 */
export const TASKS: readonly TaskDefinition[] = [schemasTask, topicsTask, aclsTask, connectorsTask, terraformTask, smokeTask, healthTask, connectHealthTask];

export function findTask(name: string): TaskDefinition | undefined {
  return TASKS.find((task) => task.name === name);
}
