import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { z } from 'zod';
import type { Clients } from '../../../src/clients/index.js';
import type { LoadedConfig } from '../../../src/config/load.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { defineCheckTask, definePlanApplyTask, type TaskPlan } from '../../../src/tasks/types.js';

export const clients: Clients = {
  kafka: () => {
    throw new Error('no kafka in unit tests');
  },
  admin: () => Promise.reject(new Error('no kafka in unit tests')),
  kafkaAdmin: () => {
    throw new Error('no kafka in unit tests');
  },
  registry: () => {
    throw new Error('no registry in unit tests');
  },
  close: async () => undefined,
};

export function randomSha(): string {
  return randomBytes(20).toString('hex');
}

/** A logger whose every line (debug and up) is kept, to check what was said and what was not. */
export function capturedLogger(): { log: Logger; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { log: createLogger({ level: 'debug', format: 'json', destination }), text: () => text };
}

export function loaded(sections: Record<string, object>, environment = 'dev'): LoadedConfig {
  return { config: { environment, timeout: 60_000, ...sections } as LoadedConfig['config'], file: '/tmp/synchook.yaml', dir: '/tmp' };
}

export interface FakeBehaviour {
  plan?: (signal: AbortSignal) => Promise<Partial<TaskPlan>>;
  apply?: (signal: AbortSignal) => Promise<string>;
}

export function presyncTask(name: string, behaviour: FakeBehaviour = {}) {
  return definePlanApplyTask({
    name,
    phase: 'presync',
    configKey: name,
    configSchema: z.strictObject({}),
    description: name,
    async plan(ctx) {
      const partial = behaviour.plan ? await behaviour.plan(ctx.signal) : {};
      return { task: name, changes: [{ action: 'create', resource: `${name} thing` }], violations: [], warnings: [], ...partial };
    },
    async apply(ctx) {
      return { summary: behaviour.apply ? await behaviour.apply(ctx.signal) : `1 ${name} created` };
    },
  });
}

export function postsyncTask(name: string, run: (signal: AbortSignal) => Promise<string> = async () => `${name} ok`) {
  return defineCheckTask({
    name,
    phase: 'postsync',
    configKey: name,
    configSchema: z.strictObject({}),
    description: name,
    async run(ctx) {
      return { summary: await run(ctx.signal) };
    },
  });
}

export const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
