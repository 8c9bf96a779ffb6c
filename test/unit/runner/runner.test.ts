import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Clients } from '../../../src/clients/index.js';
import type { LoadedConfig } from '../../../src/config/load.js';
import { ConfigError, UnreachableError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import type { Reporter, TaskResult } from '../../../src/report/types.js';
import { runPhase, type RunOptions } from '../../../src/runner.js';
import { defineCheckTask, definePlanApplyTask, type TaskPlan } from '../../../src/tasks/types.js';

const log = createLogger({ level: 'silent' });
const clients: Clients = {
  kafka: () => { throw new Error('no kafka in unit tests'); },
  admin: () => Promise.reject(new Error('no kafka in unit tests')),
  kafkaAdmin: () => { throw new Error('no kafka in unit tests'); },
  registry: () => { throw new Error('no registry in unit tests'); },
  close: async () => undefined,
};

interface Behaviour {
  plan?: (signal: AbortSignal) => Promise<Partial<TaskPlan>>;
  apply?: () => Promise<void>;
}

function fakeTask(name: string, calls: string[], behaviour: Behaviour = {}) {
  return definePlanApplyTask({
    name,
    phase: 'presync',
    configKey: name,
    configSchema: z.strictObject({}),
    description: name,
    async plan(ctx) {
      calls.push(`plan:${name}`);
      const partial = behaviour.plan ? await behaviour.plan(ctx.signal) : {};
      return { task: name, changes: [{ action: 'create', resource: `${name} thing` }], violations: [], warnings: [], ...partial };
    },
    async apply() {
      calls.push(`apply:${name}`);
      await behaviour.apply?.();
      return { summary: `${name} applied` };
    },
  });
}

function loaded(sections: Record<string, object>, timeout = 60_000): LoadedConfig {
  return { config: { environment: 'test', timeout, ...sections } as LoadedConfig['config'], file: '/tmp/synchook.yaml', dir: '/tmp' };
}

function run(options: Partial<RunOptions> & Pick<RunOptions, 'tasks' | 'loaded'>) {
  return runPhase({ mode: 'presync', log, clients, ...options });
}

const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('plan everything, then apply', () => {
  it('plans every task before applying any, then applies in task order', async () => {
    const calls: string[] = [];
    const tasks = [fakeTask('schemas', calls), fakeTask('topics', calls)];
    const summary = await run({ tasks, loaded: loaded({ schemas: {}, topics: {} }) });
    expect(summary.exitCode).toBe(0);
    expect(calls.slice(0, 2).sort()).toEqual(['plan:schemas', 'plan:topics']);
    expect(calls.slice(2)).toEqual(['apply:schemas', 'apply:topics']);
    expect(summary.results.map((result) => [result.task, result.status, result.summary])).toEqual([
      ['schemas', 'success', 'schemas applied'],
      ['topics', 'success', 'topics applied'],
    ]);
  });

  it('applies nothing when any plan holds a violation, and exits 1', async () => {
    const calls: string[] = [];
    const tasks = [
      fakeTask('schemas', calls, { plan: async () => ({ violations: [{ resource: 'subject orders-value', message: 'incompatible' }] }) }),
      fakeTask('topics', calls),
    ];
    const summary = await run({ tasks, loaded: loaded({ schemas: {}, topics: {} }) });
    expect(summary.exitCode).toBe(1);
    expect(calls.filter((call) => call.startsWith('apply'))).toEqual([]);
    expect(summary.results.map((result) => result.status)).toEqual(['failure', 'skipped']);
    expect(summary.results[1]!.summary).toContain('not applied: schemas was rejected');
  });

  it('applies nothing with --dry-run and reports the planned changes', async () => {
    const calls: string[] = [];
    const summary = await run({ tasks: [fakeTask('topics', calls)], loaded: loaded({ topics: {} }), dryRun: true });
    expect(summary.exitCode).toBe(0);
    expect(calls).toEqual(['plan:topics']);
    expect(summary.results[0]!.summary).toBe('plan: 1 to create');
  });

  it('stops applying after a failed apply and reports the rest as not applied', async () => {
    const calls: string[] = [];
    const tasks = [
      fakeTask('schemas', calls, { apply: async () => { throw new Error('registry said no'); } }),
      fakeTask('topics', calls),
    ];
    const summary = await run({ tasks, loaded: loaded({ schemas: {}, topics: {} }) });
    expect(summary.exitCode).toBe(1);
    expect(calls).not.toContain('apply:topics');
    expect(summary.results.map((result) => result.status)).toEqual(['error', 'skipped']);
  });

  it('skips tasks whose section is absent or disabled', async () => {
    const calls: string[] = [];
    const tasks = [fakeTask('schemas', calls), fakeTask('topics', calls), fakeTask('acls', calls)];
    const summary = await run({ tasks, loaded: loaded({ topics: {}, acls: { enabled: false } }) });
    expect(summary.results.map((result) => result.task)).toEqual(['topics']);
  });

  it('refuses an unknown task name in `run` with exit 2', async () => {
    await expect(run({ mode: 'run', taskNames: ['nope'], tasks: [], loaded: loaded({}) })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('exit codes', () => {
  it('exits 3 when a dependency cannot be reached, 2 on a config error (which wins)', async () => {
    const calls: string[] = [];
    const unreachable = fakeTask('topics', calls, { plan: async () => { throw new UnreachableError('cannot reach Kafka at 127.0.0.1:1'); } });
    expect((await run({ tasks: [unreachable], loaded: loaded({ topics: {} }) })).exitCode).toBe(3);
    const misconfigured = fakeTask('schemas', calls, { plan: async () => { throw new ConfigError('subjects.yaml: bad'); } });
    const both = await run({ tasks: [misconfigured, unreachable], loaded: loaded({ schemas: {}, topics: {} }) });
    expect(both.exitCode).toBe(2);
    expect(both.results.map((result) => result.error)).toEqual(['subjects.yaml: bad', 'cannot reach Kafka at 127.0.0.1:1']);
  });
});

describe('deadlines and termination', () => {
  it('ends a task at its own deadline with exit 3 and a message naming the task', async () => {
    const calls: string[] = [];
    const slow = fakeTask('topics', calls, { plan: never });
    const started = Date.now();
    const summary = await run({ tasks: [slow], loaded: loaded({ topics: { timeout: 150 } }) });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(summary.exitCode).toBe(3);
    expect(summary.results[0]!.status).toBe('error');
    expect(summary.results[0]!.summary).toContain('topics: its deadline of 150 ms passed');
  });

  it('ends the run at the global timeout', async () => {
    const calls: string[] = [];
    const summary = await run({ tasks: [fakeTask('topics', calls, { plan: never })], loaded: loaded({ topics: {} }), timeoutMs: 150 });
    expect(summary.exitCode).toBe(3);
    expect(summary.interrupted).toContain("the run's deadline of 150 ms passed");
  });

  it('stops in-flight work when the caller aborts (SIGTERM) and reports every task', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const { AbortedError } = await import('../../../src/errors.js');
    const finished: TaskResult[] = [];
    const reporter: Reporter = { taskFinished: async (result) => { finished.push(result); } };
    setTimeout(() => controller.abort(new AbortedError('terminated by SIGTERM', 143 as never)), 100);
    const summary = await run({ tasks: [fakeTask('topics', calls, { plan: never })], loaded: loaded({ topics: {} }), signal: controller.signal, reporters: [reporter] });
    expect(summary.exitCode).toBe(143);
    expect(summary.interrupted).toMatch(/^terminated by SIGTERM after/);
    expect(finished.map((result) => [result.task, result.status])).toEqual([['topics', 'error']]);
    expect(calls).not.toContain('apply:topics');
  });
});

describe('an apply stopped part way', () => {
  const changes = ['a', 'b', 'c', 'd'].map((name) => ({ action: 'create' as const, resource: `topic ${name}` }));
  /** Confirms a, sends b and c, and answers them only after the stop; d is never sent. */
  function recordingTask(answerAfterStopMs: number) {
    return definePlanApplyTask({
      name: 'topics',
      phase: 'presync',
      configKey: 'topics',
      configSchema: z.strictObject({}),
      description: 'topics',
      async plan() {
        return { task: 'topics', changes, violations: [], warnings: [] };
      },
      async apply(ctx) {
        ctx.applied!.sent(['topic a']);
        ctx.applied!.confirmed('topic a');
        ctx.applied!.sent(['topic b', 'topic c']);
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        await new Promise((resolve) => setTimeout(resolve, answerAfterStopMs));
        ctx.applied!.answered(['topic b', 'topic c']);
        ctx.applied!.confirmed('topic b');
        throw ctx.signal.reason;
      },
    });
  }

  it('reports what was confirmed, including answers that arrive just after the stop', async () => {
    const summary = await run({ tasks: [recordingTask(50)], loaded: loaded({ topics: {} }), timeoutMs: 300 });
    expect(summary.exitCode).toBe(3);
    const [result] = summary.results;
    expect(result!.summary).toMatch(/^stopped: 2 of 4 topics created; 2 not applied \(the run's deadline of 300 ms passed/);
    expect(result!.applied!.applied.map((change) => change.resource)).toEqual(['topic a', 'topic b']);
    expect(result!.applied!.counts).toEqual([{ action: 'create', kind: 'topic', planned: 4, applied: 2 }]);
  });

  it('names the changes sent whose answer had not come when it stopped waiting', async () => {
    const controller = new AbortController();
    const { AbortedError } = await import('../../../src/errors.js');
    setTimeout(() => controller.abort(new AbortedError('terminated by SIGTERM', 143 as never)), 100);
    const summary = await run({ tasks: [recordingTask(60_000)], loaded: loaded({ topics: {} }), signal: controller.signal });
    expect(summary.exitCode).toBe(143);
    const [result] = summary.results;
    expect(result!.summary).toMatch(/^stopped: 1 of 4 topics created; 1 not applied, 2 sent without an answer yet/);
    expect(result!.applied!.unanswered.map((change) => change.resource)).toEqual(['topic b', 'topic c']);
  }, 10_000);
});

describe('reporting', () => {
  it('tells reporters about the run in order, and a failing reporter does not change the verdict', async () => {
    const calls: string[] = [];
    const events: string[] = [];
    const recording: Reporter = {
      runStarted: async ({ tasks }) => { events.push(`run:${tasks.map((task) => task.task).join(',')}`); },
      taskStarted: async ({ task }) => { events.push(`start:${task}`); },
      taskFinished: async (result) => { events.push(`finish:${result.task}:${result.status}`); },
      runFinished: async (summary) => { events.push(`end:${summary.exitCode}`); },
    };
    const broken: Reporter = { taskFinished: async () => { throw new Error('GitHub is down'); } };
    const summary = await run({ tasks: [fakeTask('topics', calls)], loaded: loaded({ topics: {} }), reporters: [recording, broken] });
    expect(summary.exitCode).toBe(0);
    expect(events).toEqual(['run:topics', 'start:topics', 'finish:topics:success', 'end:0']);
  });
});

describe('postsync checks', () => {
  it('runs every check and fails the run on a violation', async () => {
    const check = (name: string, violations: number) => defineCheckTask({
      name,
      phase: 'postsync',
      configKey: name,
      configSchema: z.strictObject({}),
      description: name,
      run: async () => ({ summary: `${name} done`, violations: Array.from({ length: violations }, () => ({ resource: 'group app', message: 'lag 5000 > 1000' })) }),
    });
    const summary = await runPhase({ mode: 'postsync', log, clients, tasks: [check('smoke', 0), check('health', 1)], loaded: loaded({ smoke: {}, health: {} }) });
    expect(summary.exitCode).toBe(1);
    expect(summary.results.map((result) => result.status)).toEqual(['success', 'failure']);
  });
});
