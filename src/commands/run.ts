import { appendFileSync } from 'node:fs';
import { loadConfig, type LoadedSynchookConfig } from '../synchook-config.js';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaConfig } from '../clients/kafka.js';
import { acquireRunLock, runLockIdentity } from '../clients/run-lock.js';
import { ConfigError, PLAN_HAS_CHANGES_EXIT_CODE, messageOf } from '../errors.js';
import { NO_TASK, renderPlanJson, renderPlanMarkdown, renderSummaryLines, renderTaskText, verdictLine } from '../report/render.js';
import { createReporters, exitCodeWithReporting, reportingLines, requiredReportingFailure } from '../report/index.js';
import { terminationParagraph, writeTerminationMessage } from '../report/termination.js';
import type { Reporter, RunMode } from '../report/types.js';
import { runPhase, type RunOptions } from '../runner.js';
import type { CommandContext } from './context.js';

export type OutputFormat = 'text' | 'json' | 'markdown';

export interface RunCommandOptions {
  mode: RunMode;
  dryRun?: boolean;
  taskNames?: string[];
  format?: OutputFormat;
  sha?: string;
  /** plan: exit PLAN_HAS_CHANGES_EXIT_CODE instead of 0 when the plan has changes. */
  detailedExitcode?: boolean;
  /** plan: report the verdict as one commit status (drift checks). */
  driftStatus?: boolean;
  /** plan: post the plan as a pull-request comment. */
  comment?: boolean;
  pullRequest?: number;
}

/** presync, postsync, plan and run: load the config, run the phase, print and report. */
export async function runCommand(ctx: CommandContext, options: RunCommandOptions): Promise<number> {
  const loaded = loadConfig(ctx.configPath, ctx.env);
  const reporters = await createReporters({ loaded, log: ctx.log, env: ctx.env, sha: options.sha, mode: options.mode, dryRun: options.dryRun, signal: ctx.signal, driftStatus: options.driftStatus, comment: options.comment, pullRequest: options.pullRequest });
  const format = options.format ?? 'text';
  // Text is printed task by task as each ends, so a long run's output is not held back to the end.
  const streaming: Reporter = { taskFinished: async (result) => ctx.out(`${renderTaskText(result)}\n`) };
  const summary = await runPhase({
    mode: options.mode,
    loaded,
    log: ctx.log,
    taskNames: options.taskNames,
    dryRun: options.dryRun,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    reporters: format === 'text' ? [streaming, ...reporters] : reporters,
    acquireLock: runLock(loaded, ctx, options),
  });
  ctx.outputDeadline?.(summary.startedAt + (ctx.timeoutMs ?? loaded.config.timeout));
  if (format === 'json') ctx.out(renderPlanJson(summary));
  else if (format === 'markdown') ctx.out(renderPlanMarkdown(summary));
  else {
    if (summary.results.length === 0) ctx.out(`${NO_TASK}\n`);
    ctx.out(options.mode === 'plan' ? verdictLine(summary) : renderSummaryLines(summary));
  }
  const summaryFailure = writeStepSummary(ctx, renderPlanMarkdown(summary));
  // report.github.required: a failed report fails the run; the paragraph says how it all ended.
  const reportFailure = requiredReportingFailure(reporters) ?? summaryFailure;
  // A lost job summary turns a success into exit 2; a run that failed keeps its own code.
  const reportedExitCode = exitCodeWithReporting(summary.exitCode, requiredReportingFailure(reporters) ?? (summary.exitCode === 0 ? summaryFailure : undefined));
  const exitCode = options.detailedExitcode && reportedExitCode === 0 && planHasChanges(summary) ? PLAN_HAS_CHANGES_EXIT_CODE : reportedExitCode;
  if (summaryFailure) ctx.log.error({ file: ctx.env.GITHUB_STEP_SUMMARY, error: summaryFailure.message }, 'the job summary could not be written');
  else if (reportFailure) ctx.log.error({ error: reportFailure.message }, 'reporting failed and report.github.required is set');
  const paragraph = terminationParagraph(summary, { exitCode, reporting: reportingLines(reporters), reportingFailure: reportFailure?.message });
  if (format === 'text' && options.mode !== 'plan') ctx.out(`\n${paragraph}`);
  writeTerminationMessage(paragraph, { path: ctx.env.SYNCHOOK_TERMINATION_LOG, log: ctx.log });
  return exitCode;
}

function planHasChanges(summary: { results: Array<{ changes: unknown[] }> }): boolean {
  return summary.results.some((result) => result.changes.length > 0);
}

/**
 * `$GITHUB_STEP_SUMMARY` names the file GitHub Actions shows as the job summary. When it is set
 * and cannot be written, the summary the user asked for is lost: a configuration error (exit 2),
 * not a warning.
 */
function writeStepSummary(ctx: CommandContext, markdown: string): ConfigError | undefined {
  const file = ctx.env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  try {
    appendFileSync(file, markdown);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EACCES' || code === 'EPERM'
      ? ' Run the container as the runner\'s user (docker run --user "$(id -u):$(id -g)") so it may write the file, or unset GITHUB_STEP_SUMMARY.'
      : ' Check that the path exists and is writable, or unset GITHUB_STEP_SUMMARY.';
    return new ConfigError(`could not write the job summary to $GITHUB_STEP_SUMMARY (${file}): ${messageOf(error)}.${hint}`);
  }
}

/** The run lock for a PreSync that may apply: needs the cluster; plan and dry runs never lock. */
function runLock(loaded: LoadedSynchookConfig, ctx: CommandContext, options: RunCommandOptions): RunOptions['acquireLock'] {
  const { config, dir } = loaded;
  const lock = config.lock;
  if (!lock.enabled || !config.cluster || options.mode === 'plan' || options.dryRun) return undefined;
  const name = lock.name ?? config.topics?.managedPrefix?.join(',') ?? `environment ${config.environment}`;
  const revision = options.sha ?? (config.report?.github?.sha || undefined) ?? ctx.env.GITHUB_SHA ?? ctx.env.ARGOCD_APP_REVISION;
  return ({ signal, remainingMs }) =>
    acquireRunLock({
      // The group's rebalances are the lock working, not something to warn about: kafkajs logs go to debug.
      kafka: new Kafka({ ...kafkaConfig(config.cluster!, { dir, log: ctx.log, clientIdSuffix: 'lock' }), logLevel: logLevel.INFO, logCreator: () => ({ log: entry }) => ctx.log.debug({ kafkajs: entry.namespace ?? true, error: entry.error }, entry.message) }),
      name,
      topic: lock.topic,
      leaseMs: lock.lease,
      waitMs: Math.max(0, Math.min(lock.wait, remainingMs)),
      identity: runLockIdentity(ctx.env, revision),
      log: ctx.log,
      signal,
      cluster: config.cluster,
    });
}
