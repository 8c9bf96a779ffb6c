import type { z } from 'zod';
import { createClients, type Clients } from './clients/index.js';
import { AbortedError, ExitCode, SynchookError, exitCodeOf, messageOf, worstExitCode } from './errors.js';
import { formatDuration } from './duration.js';
import type { Logger } from './log.js';
import type { Reporter, RunMode, RunSummary, TaskResult } from './report/types.js';
import { describeApplied } from './report/applied.js';
import type { LoadedConfig } from './config/load.js';
import type { CoreConfig, TaskCommon } from './config/schema.js';
import { taskSection } from './synchook-config.js';
import { ApplyLedger, type ApplyResult } from './tasks/apply-ledger.js';
import type { ApplyRecorder } from './tasks/types.js';
import { TASKS } from './tasks/registry.js';
import type { CheckTask, Deadline, Phase, PlanApplyTask, TaskContext, TaskDefinition, TaskPlan, TaskProgress } from './tasks/types.js';

export interface RunOptions {
  mode: RunMode;
  /** The loaded config; task sections are looked up by each task's config key. */
  loaded: LoadedConfig<CoreConfig & Record<string, unknown>>;
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

interface HeldLock {
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

interface SelectedTask {
  task: TaskDefinition;
  section: Record<string, unknown> & TaskCommon;
}

/** Exit codes when a run is stopped by a signal: 128 + the signal number, as shells report it. */
export const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * How long an interrupted apply may go on to receive the answers to the requests it has sent, so
 * that what it records is what the broker or registry confirmed. After a signal the CLI exits
 * within 5 s, and the statuses still have to be sent in that time.
 */
const DRAIN_MS = 5_000;
const DRAIN_AFTER_SIGNAL_MS = 1_500;
const PROGRESS_INTERVAL_MS = 5_000;

type Stage = 'plan' | 'apply' | 'check';
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

  const context = (task: TaskDefinition, signal: AbortSignal, deadlineAt: number, used: Set<string>, progress?: (update: TaskProgress) => void, applied?: ApplyRecorder): TaskContext => ({
    config,
    configDir: dir,
    log: options.log.child({ task: task.name }),
    signal,
    deadline: { at: deadlineAt, remaining: () => Math.max(0, deadlineAt - now()) } satisfies Deadline,
    clients: recordingClients(clients, used, config),
    progress,
    applied,
  });

  const step = async <T>(item: SelectedTask, stage: Stage, body: (ctx: TaskContext) => Promise<T>, applied?: ApplyRecorder): Promise<T> => {
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
      const value = await stepBody(item, stepStart, used, (update) => (latest = update), body, applied);
      taskLog.info({ elapsedMs: now() - stepStart }, `${item.task.name}: ${stage} done in ${formatDuration(now() - stepStart)}`);
      return value;
    } finally {
      clearInterval(heartbeat);
    }
  };

  const stepBody = async <T>(item: SelectedTask, stepStart: number, used: Set<string>, progress: (update: TaskProgress) => void, body: (ctx: TaskContext) => Promise<T>, applied?: ApplyRecorder): Promise<T> => {
    const taskDeadline = item.section.timeout ? stepStart + item.section.timeout : Number.POSITIVE_INFINITY;
    const deadlineAt = Math.min(runDeadline, taskDeadline);
    // When the run's deadline comes first, the run's own abort ends the step and says so.
    const stepMs = taskDeadline < runDeadline ? taskDeadline - stepStart : Number.POSITIVE_INFINITY;
    try {
      // An apply stopped from outside gets a moment to receive the answers already on their way.
      const drainMs = applied ? () => (options.signal?.aborted ? DRAIN_AFTER_SIGNAL_MS : DRAIN_MS) : undefined;
      return await withDeadline(
        runAbort.signal,
        stepMs,
        `${item.task.name}: its deadline of ${formatDuration(item.section.timeout ?? timeoutMs)} passed`,
        (signal) => body(context(item.task, signal, deadlineAt, used, progress, applied)),
        { drainMs },
      );
    } catch (error) {
      // A deadline says what the task was waiting for, so the user knows which dependency to check.
      if (error instanceof AbortedError && error.exitCode === ExitCode.Unreachable && used.size > 0) {
        throw new AbortedError(`${error.message} while waiting for ${[...used].join(' and ')}`, error.exitCode);
      }
      throw error;
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
    } else if (presync.length > 0) results.push(...(await runPlanThenApply(presync, { step, report, dryRun, now, log: options.log })));
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

type StepRunner = <T>(item: SelectedTask, stage: Stage, body: (ctx: TaskContext) => Promise<T>, applied?: ApplyRecorder) => Promise<T>;
type ReportCall = <K extends keyof Reporter>(method: K, argument: Parameters<NonNullable<Reporter[K]>>[0]) => Promise<void>;

async function runPlanThenApply(
  items: Array<SelectedTask & { task: PlanApplyTask }>,
  env: { step: StepRunner; report: ReportCall; dryRun: boolean; now: () => number; log: Logger },
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
    const ledger = new ApplyLedger(plan!.changes);
    try {
      const outcome = await env.step(item, 'apply', (ctx) => item.task.apply(ctx, item.section as z.output<typeof item.task.configSchema>, plan!), ledger);
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
      if (plan!.changes.length > 0) result = withApplied(result, ledger.result(), error);
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
      const section = taskSection(config, task);
      if (!section) {
        throw new SynchookError(`task "${name}" has no "${task.configKey}" section in ${options.loaded.file}. Add the section to configure it.`, ExitCode.Config);
      }
      return { task, section };
    });
  }
  return tasks.filter((task) => wantedPhases.includes(task.phase))
    .map((task) => ({ task, section: taskSection(config, task) }))
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
export async function withDeadline<T>(
  parent: AbortSignal,
  ms: number,
  deadlineMessage: string,
  body: (signal: AbortSignal) => Promise<T>,
  options: { drainMs?: () => number } = {},
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort, { once: true });
  if (parent.aborted) onParentAbort();
  const timer = Number.isFinite(ms) ? setTimeout(() => controller.abort(new AbortedError(deadlineMessage, ExitCode.Unreachable)), Math.max(0, ms)) : undefined;
  let rejectOnAbort: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    rejectOnAbort = reject;
  });
  const running = body(controller.signal);
  // With a drain, an aborted body gets that long to end by itself (its answers in flight come in);
  // the abort's reason is the outcome either way.
  const onAbort = () => {
    const drainMs = options.drainMs?.() ?? 0;
    if (drainMs <= 0) return rejectOnAbort(controller.signal.reason);
    const drained = setTimeout(() => rejectOnAbort(controller.signal.reason), drainMs);
    running.then(
      () => (clearTimeout(drained), rejectOnAbort(controller.signal.reason)),
      () => (clearTimeout(drained), rejectOnAbort(controller.signal.reason)),
    );
  };
  controller.signal.addEventListener('abort', onAbort, { once: true });
  if (controller.signal.aborted) onAbort();
  try {
    return await Promise.race([options.drainMs ? running.then((value) => (controller.signal.aborted ? aborted : value), (error: unknown) => (controller.signal.aborted ? aborted : Promise.reject(error))) : running, aborted]);
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
 * An apply that stopped part way says what the broker or registry confirmed: "stopped: 500 of
 * 2,000 topics created; 1,500 not applied (terminated by SIGTERM)". The counts come first: a
 * commit status keeps 140 characters. A task that failed on its own already says in its message
 * what it applied; its counts go to the JSON and the job summary.
 */
function withApplied(result: TaskResult, applied: ApplyResult, error: unknown): TaskResult {
  const stoppedFromOutside = error instanceof AbortedError || exitCodeOf(error) === ExitCode.Unreachable;
  if (!stoppedFromOutside) return { ...result, applied };
  const message = messageOf(error);
  const summary = error instanceof AbortedError ? `stopped: ${describeApplied(applied)} (${message})` : `${describeApplied(applied)}: ${message}`;
  return { ...result, summary, applied };
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

function describeChanges(plan: Pick<TaskPlan, 'changes'>): string {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const change of plan.changes) counts[change.action] += 1;
  const parts = [counts.create && `${counts.create} to create`, counts.update && `${counts.update} to change`, counts.delete && `${counts.delete} to delete`].filter(Boolean);
  return parts.length > 0 ? `plan: ${parts.join(', ')}` : 'no changes';
}

/** The worst task's code (worstExitCode); a skipped task makes the run rejected. */
function runExitCode(results: TaskResult[], abortReason: unknown): number {
  if (abortReason instanceof AbortedError && abortReason.exitCode > ExitCode.Unreachable) return abortReason.exitCode;
  const codes = results.filter((result) => result.status !== 'success' && result.status !== 'skipped').map((result) => Number(result.exitCode));
  const worst = worstExitCode(codes);
  if (worst !== ExitCode.Success) return worst;
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
