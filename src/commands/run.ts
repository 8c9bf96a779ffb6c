import { appendFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText, renderSummaryLines } from '../report/render.js';
import { createReporters, exitCodeWithReporting, reportingLines, requiredReportingFailure } from '../report/index.js';
import { terminationParagraph, writeTerminationMessage } from '../report/termination.js';
import type { RunMode } from '../report/types.js';
import { runPhase } from '../runner.js';
import type { CommandContext } from './context.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

export interface RunCommandOptions {
  mode: RunMode;
  dryRun?: boolean;
  taskNames?: string[];
  format?: PlanFormat;
  sha?: string;
}

/** presync, postsync, plan and run: load the config, run the phase, print and report. */
export async function runCommand(ctx: CommandContext, options: RunCommandOptions): Promise<number> {
  const loaded = loadConfig(ctx.configPath, ctx.env);
  const reporters = await createReporters({ loaded, log: ctx.log, env: ctx.env, sha: options.sha, mode: options.mode, dryRun: options.dryRun, signal: ctx.signal });
  const summary = await runPhase({
    mode: options.mode,
    loaded,
    log: ctx.log,
    taskNames: options.taskNames,
    dryRun: options.dryRun,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    reporters,
  });
  const format = options.format ?? 'text';
  if (format === 'json') ctx.out(renderPlanJson(summary));
  else if (format === 'markdown') ctx.out(renderPlanMarkdown(summary));
  else {
    ctx.out(renderPlanText(summary, { verdict: options.mode === 'plan' }));
    if (options.mode !== 'plan') ctx.out(`\n${renderSummaryLines(summary)}`);
  }
  const stepSummary = ctx.env.GITHUB_STEP_SUMMARY;
  if (stepSummary) {
    try {
      appendFileSync(stepSummary, renderPlanMarkdown(summary));
    } catch (error) {
      ctx.log.warn({ file: stepSummary, error: (error as Error).message }, 'could not write the step summary');
    }
  }
  // report.github.required: a failed report fails the run; the paragraph says how it all ended.
  const reportFailure = requiredReportingFailure(reporters);
  const exitCode = exitCodeWithReporting(summary.exitCode, reportFailure);
  if (reportFailure) ctx.log.error({ error: reportFailure.message }, 'reporting failed and report.github.required is set');
  const paragraph = terminationParagraph(summary, { exitCode, reporting: reportingLines(reporters), reportingFailure: reportFailure?.message });
  if (format === 'text' && options.mode !== 'plan') ctx.out(`\n${paragraph}`);
  writeTerminationMessage(paragraph, { path: ctx.env.SYNCHOOK_TERMINATION_LOG, log: ctx.log });
  return exitCode;
}
