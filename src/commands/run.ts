import { appendFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText, renderSummaryLines } from '../report/render.js';
import { createReporters } from '../report/index.js';
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
  const reporters = await createReporters({ loaded, log: ctx.log, env: ctx.env, sha: options.sha });
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
    ctx.out(renderPlanText(summary));
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
  return summary.exitCode;
}
