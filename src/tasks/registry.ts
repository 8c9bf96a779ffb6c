import type { TaskDefinition } from './types.js';

/**
 * Every task synchook knows, in the order they run within a phase. A task's config section is
 * accepted only once the task is listed here; until then the key is rejected as unknown.
 */
export const TASKS: readonly TaskDefinition[] = [];

export function findTask(name: string): TaskDefinition | undefined {
  return TASKS.find((task) => task.name === name);
}
