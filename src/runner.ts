import type { z } from 'zod';
import type { LoadedConfig } from './config/load.js';
import { createClients, type Clients } from './clients/index.js';
import { AbortedError, ExitCode, SynchookError, exitCodeOf, messageOf } from './errors.js';
import { formatDuration } from './duration.js';
import type { Logger } from './log.js';
import type { Reporter, RunMode, RunSummary, TaskResult } from './report/types.js';
import { compareWithFreshPlan, describeApplied, type AppliedReadBack } from './report/applied.js';
import { TASKS } from './tasks/registry.js';
import type { CheckTask, Deadline, Phase, PlanApplyTask, TaskContext, TaskDefinition, TaskPlan, TaskProgress } from './tasks/types.js';

export interface RunOptions {
  mode: RunMode;
  loaded: LoadedConfig;
  log: Logger;
  /** Tasks to run by name (`synchook run topics schemas`); all configured tasks of the phase otherwise. */
  taskNames?: string[];
  /** Plan only, never apply (presync --dry-run, plan). */
  dryRun?: boolean;
  /** Overrides the config's global timeout. */
  timeoutMs?: number;
  /** Aborted by the CLI on SIGTERM/SIGINT; its reason says which. */
  signal?: AbortSignal;
  reporters?: Reporter[];
  /** Upper bound for each reporter call, so a slow GitHub never holds the hook. */
  reportTimeoutMs?: number;
  clients?: Clients;
  now?: () => number;
  /** The known tasks; the registry's list unless a caller (a test) brings its own. */
  tasks?: readonly TaskDefinition[];
  /**
   * Takes the run lock before a PreSync that may apply (never for plan or a dry run). Its `lost`
   * signal stops the run; it is released when the run ends.
   */
  acquireLock?: (request: { signal: AbortSignal; remainingMs: number }) => Promise<HeldLock>;
  /** How often a task still working is logged (info), with what it waits for. */
  progressIntervalMs?: number;
}

export interface HeldLock {
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

interface SelectedTask {
  task: TaskDefinition;
  section: Record<string, unknown> & { timeout?: number; enabled?: boolean };
}

/** Exit codes when a run is stopped by a signal: 128 + the signal number, as shells report it. */
export const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Time to read back what an interrupted apply wrote (a fresh plan). After a signal the CLI exits
 * within 5 s, and the statuses still have to be sent in that time.
 */
const READ_BACK_MS = 10_000;
const READ_BACK_AFTER_SIGNAL_MS = 2_000;
const PROGRESS_INTERVAL_MS = 5_000;

export type Stage = 'plan' | 'apply' | 'check';
const STAGE_WORD: Record<Stage, string> = { plan: 'planning', apply: 'applying', check: 'checking' };

export async function runPhase(options: RunOptions): Promise<RunSummary> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const { config, dir } = options.loaded;
  const timeoutMs = options.timeoutMs ?? config.timeout;
  const runDeadline = startedAt + timeoutMs;
  const selected = selectTasks(options);
  const clients = options.clients ?? createClients(config, dir, options.log);
  const reporters = options.reporters ?? [];
  const report = reportingCalls(reporters, options.reportTimeoutMs ?? 10_000, options.log);
  const dryRun = options.mode === 'plan' || Boolean(options.dryRun);
  let interrupted: string | undefined;

  // One controller for the run: aborted by the caller's signal (SIGTERM) or the global deadline.
  const runAbort = new AbortController();
  const onCallerAbort = () => runAbort.abort(options.signal?.reason ?? new AbortedError('terminated'));
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) onCallerAbort();
  const globalTimer = setTimeout(() => runAbort.abort(new AbortedError(`the run's deadline of ${formatDuration(timeoutMs)} passed`, ExitCode.Unreachable)), Math.max(0, runDeadline - now()));

  await report('runStarted', { mode: options.mode, tasks: selected.map(({ task }) => ({ task: task.name, phase: task.phase })) });

  const context = (task: TaskDefinition, section: SelectedTask['section'], signal: AbortSignal, deadlineAt: number, used: Set<string>, progress?: (update: TaskProgress) => void): TaskContext => ({
    config,
    configDir: dir,
    log: options.log.child({ task: task.name }),
    signal,
    deadline: { at: deadlineAt, remaining: () => Math.max(0, deadlineAt - now()) } satisfies Deadline,
    clients: recordingClients(clients, used, config),
    progress,
  });

  const step = async <T>(item: SelectedTask, stage: Stage, body: (ctx: TaskContext) => Promise<T>): Promise<T> => {
    const stepStart = now();
    const used = new Set<string>();
    let latest: TaskProgress | undefined;
    const taskLog = options.log.child({ task: item.task.name, stage });
    taskLog.info(`${item.task.name}: ${STAGE_WORD[stage]}`);
    // A long step says it is alive and what it waits for, so a Job log is never silent for long.
    const heartbeat = setInterval(() => {
      const elapsedMs = now() - stepStart;
      const done = latest ? `, ${latest.done} of ${latest.total} ${latest.unit}` : '';
      const waiting = used.size > 0 ? `, waiting for ${[...used].join(' and ')}` : '';
      taskLog.info({ elapsedMs, ...(latest ? { done: latest.done, total: latest.total } : {}) }, `${item.task.name}: still ${STAGE_WORD[stage]} after ${formatDuration(elapsedMs)}${done}${waiting}`);
    }, options.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
    heartbeat.unref();
    try {
      const value = await stepBody(item, stepStart, used, (update) => (latest = update), body);
      taskLog.info({ elapsedMs: now() - stepStart }, `${item.task.name}: ${stage} done in ${formatDuration(now() - stepStart)}`);
      return value;
    } finally {
      clearInterval(heartbeat);
    }
  };

  const stepBody = async <T>(item: SelectedTask, stepStart: number, used: Set<string>, progress: (update: TaskProgress) => void, body: (ctx: TaskContext) => Promise<T>): Promise<T> => {
    const taskDeadline = item.section.timeout ? stepStart + item.section.timeout : Number.POSITIVE_INFINITY;
    const deadlineAt = Math.min(runDeadline, taskDeadline);
    // When the run's deadline comes first, the run's own abort ends the step and says so.
    const stepMs = taskDeadline < runDeadline ? taskDeadline - stepStart : Number.POSITIVE_INFINITY;
    try {
      return await withDeadline(runAbort.signal, stepMs, `${item.task.name}: its deadline of ${formatDuration(item.section.timeout ?? timeoutMs)} passed`, (signal) =>
        body(context(item.task, item.section, signal, deadlineAt, used, progress)),
      );
    } catch (error) {
      // A deadline says what the task was waiting for, so the user knows which dependency to check.
      if (error instanceof AbortedError && error.exitCode === ExitCode.Unreachable && used.size > 0) {
        throw new AbortedError(`${error.message} while waiting for ${[...used].join(' and ')}`, error.exitCode);
      }
      throw error;
    }
  };

  // What an interrupted apply wrote: a fresh plan, read under a short budget of its own since the
  // run's signal has already fired.
  const readBack = async (item: SelectedTask & { task: PlanApplyTask }, plan: TaskPlan): Promise<AppliedReadBack> => {
    const budget = options.signal?.aborted ? READ_BACK_AFTER_SIGNAL_MS : READ_BACK_MS;
    try {
      const fresh = await withDeadline(new AbortController().signal, budget, `it took longer than ${formatDuration(budget)}`, (signal) =>
        item.task.plan(context(item.task, item.section, signal, now() + budget, new Set()), item.section as z.output<typeof item.task.configSchema>),
      );
      return compareWithFreshPlan(plan.changes, fresh.changes);
    } catch (error) {
      return { applied: [], notApplied: plan.changes, readBackError: messageOf(error) };
    }
  };

  const results: TaskResult[] = [];
  const presync = selected.filter(({ task }) => task.phase === 'presync') as Array<SelectedTask & { task: PlanApplyTask }>;
  const postsync = selected.filter(({ task }) => task.phase === 'postsync') as Array<SelectedTask & { task: CheckTask }>;

  let lock: HeldLock | undefined;
  const onLockLost = () => runAbort.abort(lock!.lost.reason);
  try {
    let lockFailure: unknown;
    if (presync.length > 0 && !dryRun && options.acquireLock) {
      // Before the plans: a plan made while another run applies would be stale when applied.
      try {
        lock = await withDeadline(runAbort.signal, Number.POSITIVE_INFINITY, '', (signal) => options.acquireLock!({ signal, remainingMs: runDeadline - now() }));
        lock.lost.addEventListener('abort', onLockLost, { once: true });
        if (lock.lost.aborted) onLockLost();
      } catch (error) {
        lockFailure = error;
      }
    }
    if (lockFailure !== undefined) {
      for (const { task } of presync) {
        const result = errorResult(task, lockFailure, now() - startedAt);
        results.push(result);
        await report('taskFinished', result);
      }
    } else if (presync.length > 0) results.push(...(await runPlanThenApply(presync, { step, report, dryRun, now, log: options.log, readBack })));
    if (postsync.length > 0 && !results.some((result) => result.status === 'failure' || result.status === 'error')) {
      for (const item of postsync) results.push(await runCheck(item, { step, report, now, dryRun }));
    } else {
      for (const item of postsync) {
        const skipped = skippedResult(item.task, 'not run: an earlier task of this run failed', 0);
        results.push(skipped);
        await report('taskFinished', skipped);
      }
    }
  } finally {
    clearTimeout(globalTimer);
    options.signal?.removeEventListener('abort', onCallerAbort);
    if (lock) {
      lock.lost.removeEventListener('abort', onLockLost);
      const released = lock.release().catch((error: unknown) => options.log.warn({ error: messageOf(error) }, 'releasing the run lock failed; it expires with its lease'));
      // After a signal the process has seconds left for reporting: leaving the group goes on
      // meanwhile, and if the exit comes first the lease ends the hold.
      if (!runAbort.signal.aborted) await released;
    }
    if (runAbort.signal.aborted) {
      const reason = runAbort.signal.reason as unknown;
      interrupted = `${messageOf(reason)} after ${formatDuration(now() - startedAt)}`;
    }
    if (!options.clients) await boundedClose(clients, options.log);
  }

  const summary: RunSummary = {
    mode: options.mode,
    environment: config.environment,
    exitCode: runExitCode(results, runAbort.signal.reason),
    startedAt,
    durationMs: now() - startedAt,
    results,
    interrupted,
    dryRun,
  };
  await report('runFinished', summary);
  return summary;
}

type StepRunner = <T>(item: SelectedTask, stage: Stage, body: (ctx: TaskContext) => Promise<T>) => Promise<T>;
type ReadBack = (item: SelectedTask & { task: PlanApplyTask }, plan: TaskPlan) => Promise<AppliedReadBack>;
type ReportCall = <K extends keyof Reporter>(method: K, argument: Parameters<NonNullable<Reporter[K]>>[0]) => Promise<void>;

async function runPlanThenApply(
  items: Array<SelectedTask & { task: PlanApplyTask }>,
  env: { step: StepRunner; report: ReportCall; dryRun: boolean; now: () => number; log: Logger; readBack: ReadBack },
): Promise<TaskResult[]> {
  const started = new Map<string, number>();
  for (const { task } of items) {
    started.set(task.name, env.now());
    await env.report('taskStarted', { task: task.name, phase: task.phase });
  }
  // Pass 1: every plan, in parallel; nothing is written.
  const planned = await Promise.all(
    items.map(async (item) => {
      try {
        const plan = await env.step(item, 'plan', (ctx) => item.task.plan(ctx, item.section as z.output<typeof item.task.configSchema>));
        return { item, plan };
      } catch (error) {
        return { item, error };
      }
    }),
  );
  const results = new Map<string, TaskResult>();
  for (const { item, plan, error } of planned) {
    const elapsed = env.now() - started.get(item.task.name)!;
    if (error !== undefined) results.set(item.task.name, errorResult(item.task, error, elapsed));
    else if (plan!.violations.length > 0) results.set(item.task.name, rejectedResult(item.task, plan!, elapsed));
  }
  const blocked = [...results.values()];
  const stopReason = blocked.length > 0 ? `not applied: ${blocked.map((result) => result.task).join(', ')} ${blocked.length === 1 ? 'was' : 'were'} rejected or failed, and nothing is applied unless every plan passes` : undefined;

  const ordered: TaskResult[] = [];
  for (const { item, plan } of planned) {
    const name = item.task.name;
    const existing = results.get(name);
    if (existing) {
      ordered.push(existing);
      await env.report('taskFinished', existing);
      continue;
    }
    const elapsed = () => env.now() - started.get(name)!;
    if (stopReason || env.dryRun) {
      const result = stopReason ? skippedResult(item.task, stopReason, elapsed(), plan) : plannedResult(item.task, plan!, elapsed());
      ordered.push(result);
      await env.report('taskFinished', result);
      continue;
    }
    // Pass 2: apply each plan in task order; a failure stops the tasks after it.
    const failedBefore = ordered.find((result) => result.status === 'error' || result.status === 'failure');
    if (failedBefore) {
      const result = skippedResult(item.task, `not applied: ${failedBefore.task} failed while applying`, elapsed(), plan);
      ordered.push(result);
      await env.report('taskFinished', result);
      continue;
    }
    let result: TaskResult;
    try {
      const outcome = await env.step(item, 'apply', (ctx) => item.task.apply(ctx, item.section as z.output<typeof item.task.configSchema>, plan!));
      const violations = outcome.violations ?? [];
      result = {
        task: name,
        phase: 'presync',
        status: violations.length > 0 ? 'failure' : 'success',
        summary: outcome.summary,
        durationMs: elapsed(),
        exitCode: violations.length > 0 ? ExitCode.Rejected : ExitCode.Success,
        plan,
        outcome,
        changes: outcome.changes ?? plan!.changes,
        violations,
        warnings: [...plan!.warnings, ...(outcome.warnings ?? [])],
      };
    } catch (error) {
      result = { ...errorResult(item.task, error, elapsed()), plan, changes: plan!.changes };
      // Only a stop from outside the task (a signal, a deadline, a lost broker) leaves the applied
      // part unknown; a task that fails on its own says what it applied in its own message.
      const interrupted = error instanceof AbortedError || exitCodeOf(error) === ExitCode.Unreachable;
      if (interrupted && plan!.changes.length > 0) result = withReadBack(result, await env.readBack(item, plan!), error, elapsed());
    }
    ordered.push(result);
    await env.report('taskFinished', result);
  }
  return ordered;
}

async function runCheck(item: SelectedTask & { task: CheckTask }, env: { step: StepRunner; report: ReportCall; now: () => number; dryRun: boolean }): Promise<TaskResult> {
  const start = env.now();
  await env.report('taskStarted', { task: item.task.name, phase: 'postsync' });
  let result: TaskResult;
  try {
    const outcome = await env.step(item, 'check', (ctx) => item.task.run(ctx, item.section as z.output<typeof item.task.configSchema>));
    const violations = outcome.violations ?? [];
    result = {
      task: item.task.name,
      phase: 'postsync',
      status: violations.length > 0 ? 'failure' : 'success',
      summary: outcome.summary,
      durationMs: env.now() - start,
      exitCode: violations.length > 0 ? ExitCode.Rejected : ExitCode.Success,
      outcome,
      changes: outcome.changes ?? [],
      violations,
      warnings: outcome.warnings ?? [],
    };
  } catch (error) {
    result = errorResult(item.task, error, env.now() - start);
  }
  await env.report('taskFinished', result);
  return result;
}

function selectTasks(options: RunOptions): SelectedTask[] {
  const { config } = options.loaded;
  const tasks = options.tasks ?? TASKS;
  const wantedPhases: Phase[] = options.mode === 'postsync' ? ['postsync'] : options.mode === 'run' ? ['presync', 'postsync'] : ['presync'];
  if (options.taskNames && options.taskNames.length > 0) {
    return options.taskNames.map((name) => {
      const task = tasks.find((candidate) => candidate.name === name);
      if (!task) {
        throw new SynchookError(`unknown task "${name}". Known tasks: ${tasks.map((candidate) => candidate.name).join(', ') || '(none)'}.`, ExitCode.Config);
      }
      const section = config[task.configKey] as SelectedTask['section'] | undefined;
      if (!section) {
        throw new SynchookError(`task "${name}" has no "${task.configKey}" section in ${options.loaded.file}. Add the section to configure it.`, ExitCode.Config);
      }
      return { task, section };
    });
  }
  return tasks.filter((task) => wantedPhases.includes(task.phase))
    .map((task) => ({ task, section: config[task.configKey] as SelectedTask['section'] | undefined }))
    .filter((item): item is SelectedTask => item.section !== undefined && item.section.enabled !== false);
}

/** The run's clients, noting which dependency a task asked for ("Kafka at a:9092"). */
function recordingClients(clients: Clients, used: Set<string>, config: LoadedConfig['config']): Clients {
  const kafka = () => used.add(`Kafka at ${config.cluster?.brokers.join(', ') ?? '(no cluster configured)'}`);
  return {
    kafka: () => (kafka(), clients.kafka()),
    admin: () => (kafka(), clients.admin()),
    kafkaAdmin: () => (kafka(), clients.kafkaAdmin()),
    registry: () => (used.add(`the registry at ${config.registry?.url ?? '(no registry configured)'}`), clients.registry()),
    connect: (name) => (used.add(`Connect cluster ${name}`), clients.connect!(name)),
    close: () => clients.close(),
  };
}

/**
 * Runs body with a signal that aborts at the deadline or with the run; stops waiting at once when
 * it aborts, since not every client call can be cancelled (kafkajs requests cannot).
 */
export async function withDeadline<T>(parent: AbortSignal, ms: number, deadlineMessage: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort, { once: true });
  if (parent.aborted) onParentAbort();
  const timer = Number.isFinite(ms) ? setTimeout(() => controller.abort(new AbortedError(deadlineMessage, ExitCode.Unreachable)), Math.max(0, ms)) : undefined;
  let rejectOnAbort: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    rejectOnAbort = reject;
  });
  const onAbort = () => rejectOnAbort(controller.signal.reason);
  controller.signal.addEventListener('abort', onAbort, { once: true });
  if (controller.signal.aborted) onAbort();
  try {
    return await Promise.race([body(controller.signal), aborted]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
    controller.signal.removeEventListener('abort', onAbort);
  }
}

function errorResult(task: TaskDefinition, error: unknown, durationMs: number): TaskResult {
  const exitCode = error instanceof AbortedError ? error.exitCode : exitCodeOf(error);
  const message = messageOf(error);
  return {
    task: task.name,
    phase: task.phase,
    // A config error or an unreachable dependency means synchook could not do its job: "error".
    status: 'error',
    summary: error instanceof AbortedError ? `stopped: ${message}` : message,
    durationMs,
    exitCode,
    changes: [],
    violations: [],
    warnings: [],
    error: message,
  };
}

/**
 * An apply that stopped part way says what it applied: "stopped: 500 of 2000 topics created;
 * 1500 not applied (terminated by SIGTERM)". The counts come first: a commit status keeps 140
 * characters.
 */
function withReadBack(result: TaskResult, readBack: AppliedReadBack, error: unknown, durationMs: number): TaskResult {
  const applied = describeApplied(readBack);
  const message = messageOf(error);
  // A task's own failure message may already say what it applied; the read-back is the broker's word.
  const summary = error instanceof AbortedError ? `stopped: ${applied} (${message})` : `${applied}: ${message}`;
  return { ...result, summary, durationMs, applied: readBack };
}

function rejectedResult(task: TaskDefinition, plan: TaskPlan, durationMs: number): TaskResult {
  const count = plan.violations.length;
  return {
    task: task.name,
    phase: task.phase,
    status: 'failure',
    summary: `rejected: ${count} violation${count === 1 ? '' : 's'} (${plan.violations[0]!.resource}${count > 1 ? ', ...' : ''})`,
    durationMs,
    exitCode: ExitCode.Rejected,
    plan,
    changes: plan.changes,
    violations: plan.violations,
    warnings: plan.warnings,
  };
}

function plannedResult(task: PlanApplyTask, plan: TaskPlan, durationMs: number): TaskResult {
  return {
    task: task.name,
    phase: task.phase,
    status: 'success',
    summary: task.describePlan?.(plan) ?? describeChanges(plan),
    durationMs,
    exitCode: ExitCode.Success,
    plan,
    changes: plan.changes,
    violations: [],
    warnings: plan.warnings,
  };
}

function skippedResult(task: TaskDefinition, reason: string, durationMs: number, plan?: TaskPlan): TaskResult {
  return {
    task: task.name,
    phase: task.phase,
    status: 'skipped',
    summary: reason,
    durationMs,
    exitCode: ExitCode.Rejected,
    plan,
    changes: plan?.changes ?? [],
    violations: [],
    warnings: plan?.warnings ?? [],
  };
}

export function describeChanges(plan: Pick<TaskPlan, 'changes'>): string {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const change of plan.changes) counts[change.action] += 1;
  const parts = [counts.create && `${counts.create} to create`, counts.update && `${counts.update} to change`, counts.delete && `${counts.delete} to delete`].filter(Boolean);
  return parts.length > 0 ? `plan: ${parts.join(', ')}` : 'no changes';
}

/** Precedence: a configuration error first (the user must fix it), then unreachable, then rejected. */
function runExitCode(results: TaskResult[], abortReason: unknown): number {
  if (abortReason instanceof AbortedError && abortReason.exitCode > ExitCode.Unreachable) return abortReason.exitCode;
  const codes = results.filter((result) => result.status !== 'success' && result.status !== 'skipped').map((result) => Number(result.exitCode));
  if (codes.includes(ExitCode.Config)) return ExitCode.Config;
  if (codes.includes(ExitCode.Unreachable)) return ExitCode.Unreachable;
  if (codes.length > 0 || results.some((result) => result.status === 'skipped')) return ExitCode.Rejected;
  return ExitCode.Success;
}

function reportingCalls(reporters: Reporter[], timeoutMs: number, log: Logger): ReportCall {
  return async (method, argument) => {
    await Promise.all(
      reporters.map(async (reporter) => {
        const call = reporter[method] as ((value: unknown) => Promise<void>) | undefined;
        if (!call) return;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            call.call(reporter, argument),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`reporting took longer than ${formatDuration(timeoutMs)}`)), timeoutMs);
            }),
          ]);
        } catch (error) {
          // A reporter that must not fail silently (report.github.required) records it itself.
          log.warn({ error: messageOf(error), call: method }, 'reporting failed; the run goes on');
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  };
}

/** Closes the clients, waiting at most 2 s: a client stuck on an unreachable broker must not hold the exit. */
export async function boundedClose(clients: Clients, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    clients.close(),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.debug('closing clients took too long; leaving them to the process exit');
        resolve();
      }, 2_000);
    }),
  ]).finally(() => clearTimeout(timer));
}
