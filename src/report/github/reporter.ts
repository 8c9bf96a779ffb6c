import { formatDuration } from '../../duration.js';
import { messageOf, type SynchookError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Phase } from '../../tasks/types.js';
import type { Reporter, RunMode, RunSummary, TaskResult } from '../types.js';
import type { GitHubClient } from './client.js';
import { statusDescription } from './description.js';
import { gitHubError, isStatusLimit } from './errors.js';
import { finalDescription, pendingDescription, phaseContext, phaseVerdict, stateOf, taskContext, type CommitState } from './statuses.js';
import { renderTemplate, type TemplateValues } from '../../config/template.js';

export interface GitHubStatusReporterOptions {
  client: GitHubClient;
  sha: string;
  /** Status context prefix, already rendered: "synchook/dev". */
  contextPrefix: string;
  aggregate: boolean;
  /** Template of each status's link; see template.ts for the variables. */
  targetUrl?: string;
  /** Values known for the whole run (env, sha, repository, argocdApp, jobName...). */
  templateValues: TemplateValues;
  required: boolean;
  dryRun: boolean;
  /** Budget of one status update, retries included. */
  timeoutMs: number;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT: every pending context turns to error at once. */
  signal?: AbortSignal;
  /** After the signal, how long the final statuses may take (the CLI exits 5 s after it). */
  shutdownBudgetMs?: number;
  /** How long runFinished waits for the last updates; under the runner's 10 s bound per call. */
  flushTimeoutMs?: number;
  now?: () => number;
}

export interface GitHubStatusReporter extends Reporter {
  /** The first failure that should fail the run: set only when reporting is required. */
  requiredFailure(): SynchookError | undefined;
  /** Every context this run touched, with the last state GitHub confirmed. */
  confirmed(): Record<string, CommitState>;
  /** A line for the summary: "6 statuses on acme/orders@1a2b3c4". */
  describe(): string;
}

interface StatusUpdate {
  state: CommitState;
  description: string;
}

interface Lane {
  context: string;
  targetUrl?: string;
  /** Next update to send; a newer one replaces it before it is sent. */
  next?: StatusUpdate;
  inflight?: { update: StatusUpdate; abort: (reason: unknown) => void };
  confirmed?: StatusUpdate;
  /** GitHub's 1000 statuses for this SHA and context are used up: nothing more is sent. */
  full: boolean;
  pump?: Promise<void>;
}

class Superseded extends Error {}

/**
 * Commit statuses for a run: a context per task (and per phase with `aggregate`), pending when
 * the run starts, final when the task ends. Calls return at once; updates go out in the
 * background, one at a time per context so a late retry never overwrites a newer state, and an
 * identical update is never sent twice (GitHub keeps at most 1000 statuses per SHA and context).
 */
export function createGitHubStatusReporter(options: GitHubStatusReporterOptions): GitHubStatusReporter {
  const now = options.now ?? Date.now;
  const log = options.log.child({ reporter: 'github' });
  const lanes = new Map<string, Lane>();
  const failures: SynchookError[] = [];
  const deferredSkips: TaskResult[] = [];
  const shortSha = options.sha.slice(0, 7);
  const shutdownBudgetMs = options.shutdownBudgetMs ?? 3_000;
  const flushTimeoutMs = options.flushTimeoutMs ?? 9_000;
  let mode: RunMode | undefined;
  let runStartedAt = now();
  let stoppingSince: number | undefined;
  let missingLinkWarned = false;
  let sent = 0;

  const stopping = () => stoppingSince !== undefined;

  const laneFor = (context: string, values: TemplateValues): Lane => {
    let lane = lanes.get(context);
    if (!lane) {
      lane = { context, full: false, targetUrl: linkFor({ ...options.templateValues, ...values, context }) };
      lanes.set(context, lane);
    }
    return lane;
  };

  const linkFor = (values: TemplateValues): string | undefined => {
    if (!options.targetUrl) return undefined;
    const { text, missing } = renderTemplate(options.targetUrl, values);
    if (missing.length === 0) return text;
    if (!missingLinkWarned) {
      missingLinkWarned = true;
      log.warn({ missing }, `report.github.targetUrl uses ${missing.map((name) => `{${name}}`).join(', ')}, which ${missing.length === 1 ? 'has' : 'have'} no value in this run: statuses are sent without a link`);
    }
    return undefined;
  };

  const latest = (lane: Lane) => lane.next ?? lane.inflight?.update ?? lane.confirmed;

  const update = (lane: Lane, wanted: StatusUpdate, options: { applied?: boolean } = {}) => {
    if (lane.full) return;
    const next = { state: wanted.state, description: statusDescription(wanted.description) };
    const current = latest(lane);
    if (current && current.state === next.state && current.description === next.description) return;
    // Once stopping, a context that already shows the final state keeps its first explanation,
    // unless the task's own result says what was applied before the stop.
    if (stopping() && (next.state === 'pending' || (current?.state === next.state && !options.applied))) return;
    lane.next = next;
    lane.pump ??= pump(lane);
  };

  const pump = async (lane: Lane): Promise<void> => {
    try {
      while (lane.next) {
        const next = lane.next;
        lane.next = undefined;
        await send(lane, next);
      }
    } finally {
      // In the same turn as the last check of lane.next: an update arriving later starts a new pump.
      lane.pump = undefined;
    }
  };

  const send = async (lane: Lane, next: StatusUpdate): Promise<void> => {
    const controller = new AbortController();
    let abortRace: (reason: unknown) => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      abortRace = reject;
    });
    aborted.catch(() => undefined);
    const abort = (reason: unknown) => {
      controller.abort(reason);
      abortRace(reason);
    };
    lane.inflight = { update: next, abort };
    const budget = stopping() ? Math.max(200, stoppingSince! + shutdownBudgetMs - now()) : options.timeoutMs;
    const timer = setTimeout(() => abort(Object.assign(new Error(`no answer within ${formatDuration(budget)}`), { name: 'TimeoutError' })), budget);
    try {
      const octokit = await Promise.race([options.client.octokit(), aborted]);
      await Promise.race([
        octokit.rest.repos.createCommitStatus({
          owner: options.client.owner,
          repo: options.client.repo,
          sha: options.sha,
          state: next.state,
          context: lane.context,
          description: next.description,
          ...(lane.targetUrl ? { target_url: lane.targetUrl } : {}),
          // While stopping, one quick retry at most: the final states must land within the grace period.
          request: { signal: controller.signal, ...(stopping() ? { retries: 1 } : {}) },
        }),
        aborted,
      ]);
      lane.confirmed = next;
      sent += 1;
      log.debug({ context: lane.context, state: next.state }, 'commit status set');
    } catch (error) {
      if (controller.signal.reason instanceof Superseded) return;
      if (isStatusLimit(error)) lane.full = true;
      const failure = gitHubError(error, {
        apiUrl: options.client.apiUrl,
        repository: `${options.client.owner}/${options.client.repo}`,
        action: `set ${lane.context} to ${next.state} on ${shortSha}`,
      });
      failures.push(failure);
      const fields = { context: lane.context, state: next.state, error: failure.message };
      if (options.required) log.error(fields, 'reporting to GitHub failed, and report.github.required is set: the run will fail');
      else log.warn(fields, 'reporting to GitHub failed; the run goes on (report.github.required is false)');
    } finally {
      clearTimeout(timer);
      if (lane.inflight?.abort === abort) lane.inflight = undefined;
    }
  };

  const stopEverything = (reason: string) => {
    if (stopping()) return;
    stoppingSince = now();
    const description = `${reason} after ${formatDuration(now() - runStartedAt)}`;
    for (const lane of lanes.values()) {
      if (lane.full) continue;
      // A pending update still on its way (or retrying) must neither land after the final state nor delay it.
      const inflightPending = lane.inflight?.update.state === 'pending';
      if (inflightPending) lane.inflight!.abort(new Superseded());
      const queuedPending = lane.next?.state === 'pending';
      if (queuedPending) lane.next = undefined;
      if (lane.next) continue;
      const shown = inflightPending || queuedPending ? 'pending' : (lane.inflight?.update.state ?? lane.confirmed?.state);
      if (shown !== 'pending') continue;
      lane.next = { state: 'error', description: statusDescription(description) };
      lane.pump ??= pump(lane);
    }
  };

  const onSignal = () => stopEverything(messageOf(options.signal?.reason ?? 'terminated'));
  options.signal?.addEventListener('abort', onSignal, { once: true });

  const flush = async (): Promise<void> => {
    const until = stopping() ? stoppingSince! + shutdownBudgetMs : now() + flushTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const running = [...lanes.values()].map((lane) => lane.pump).filter((pump): pump is Promise<void> => pump !== undefined);
    await Promise.race([
      Promise.all(running),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, until - now()));
      }),
    ]).finally(() => clearTimeout(timer));
  };

  const templateFor = (phase: Phase, task = ''): TemplateValues => ({ phase, task, ...(mode ? { mode } : {}) });

  return {
    async runStarted(run) {
      mode = run.mode;
      runStartedAt = now();
      const phases = new Set<Phase>();
      const firstCheck = run.tasks.some((item) => item.phase === 'presync') ? -1 : run.tasks.findIndex((item) => item.phase === 'postsync');
      for (const [index, { task, phase }] of run.tasks.entries()) {
        phases.add(phase);
        // PreSync plans every task at once; PostSync checks run one after another, after PreSync.
        const started = phase === 'presync' || index === firstCheck;
        update(laneFor(taskContext(options.contextPrefix, phase, task), templateFor(phase, task)), { state: 'pending', description: pendingDescription(phase, started, options.dryRun) });
      }
      if (options.aggregate) {
        for (const phase of phases) {
          const count = run.tasks.filter((item) => item.phase === phase).length;
          update(laneFor(phaseContext(options.contextPrefix, phase), templateFor(phase)), { state: 'pending', description: `running ${count} task${count === 1 ? '' : 's'}` });
        }
      }
    },

    async taskStarted({ task, phase }) {
      update(laneFor(taskContext(options.contextPrefix, phase, task), templateFor(phase, task)), { state: 'pending', description: pendingDescription(phase, true, options.dryRun) });
    },

    async taskFinished(result) {
      // A skipped task takes the verdict of what stopped it, known when the run ends.
      if (result.status === 'skipped') {
        deferredSkips.push(result);
        return;
      }
      const lane = laneFor(taskContext(options.contextPrefix, result.phase, result.task), templateFor(result.phase, result.task));
      update(lane, { state: result.status, description: finalDescription(result, { dryRun: options.dryRun }) }, { applied: result.applied !== undefined });
    },

    async runFinished(summary: RunSummary) {
      options.signal?.removeEventListener('abort', onSignal);
      for (const result of deferredSkips) {
        const lane = laneFor(taskContext(options.contextPrefix, result.phase, result.task), templateFor(result.phase, result.task));
        update(lane, { state: stateOf(result, summary), description: finalDescription(result, { dryRun: options.dryRun }) });
      }
      if (options.aggregate) {
        for (const phase of new Set(summary.results.map((result) => result.phase))) {
          const applied = summary.results.some((result) => result.phase === phase && result.applied !== undefined);
          update(laneFor(phaseContext(options.contextPrefix, phase), templateFor(phase)), phaseVerdict(phase, summary), { applied });
        }
      }
      // Whatever is still pending now will never be finished by this process.
      const reason = summary.interrupted ?? `ended without a result for this task after ${formatDuration(summary.durationMs)}`;
      for (const lane of lanes.values()) {
        if (latest(lane)?.state === 'pending') update(lane, { state: 'error', description: reason });
      }
      await flush();
    },

    requiredFailure() {
      if (!options.required) return undefined;
      if (failures.length > 0) return failures[0];
      const unfinished = [...lanes.values()].find((lane) => lane.pump !== undefined || lane.next !== undefined);
      if (unfinished) {
        return gitHubError(Object.assign(new Error('timeout'), { name: 'TimeoutError' }), {
          apiUrl: options.client.apiUrl,
          repository: `${options.client.owner}/${options.client.repo}`,
          action: `confirm ${unfinished.context} on ${shortSha}`,
        });
      }
      return undefined;
    },

    confirmed() {
      const states: Record<string, CommitState> = {};
      for (const lane of lanes.values()) if (lane.confirmed) states[lane.context] = lane.confirmed.state;
      return states;
    },

    describe() {
      const failed = failures.length > 0 ? `, ${failures.length} failed` : '';
      return `${sent} GitHub status update${sent === 1 ? '' : 's'} on ${options.client.owner}/${options.client.repo}@${shortSha}${failed}`;
    },
  };
}
