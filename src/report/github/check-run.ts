import type { SynchookError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { renderPlanMarkdown } from '../render.js';
import type { Reporter, RunSummary } from '../types.js';
import type { GitHubClient } from './client.js';
import { guardedCalls } from './guarded.js';

/** GitHub refuses a check run output summary longer than this (maxLength in its OpenAPI description). */
const MAX_SUMMARY = 65_535;

export interface CheckRunReporterOptions {
  client: GitHubClient;
  sha: string;
  /** Rendered name, e.g. "synchook prod presync". */
  name: (phase: string) => string;
  detailsUrl?: string;
  required: boolean;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

/** A Check Run per run whose summary is the Markdown plan: the diff shows on the commit and the PR. */
export function createCheckRunReporter(options: CheckRunReporterOptions): Reporter & { requiredFailure(): SynchookError | undefined; describe(): string } {
  const log = options.log.child({ reporter: 'github-check-run' });
  const calls = guardedCalls({ client: options.client, required: options.required, timeoutMs: options.timeoutMs, log, signal: options.signal });
  const { owner, repo } = options.client;
  let checkRun: Promise<number | undefined> | undefined;
  let conclusion: string | undefined;

  return {
    async runStarted(run) {
      if (run.tasks.length === 0) return;
      const name = options.name(run.mode);
      checkRun = calls.run(`create the check run "${name}"`, async (signal) => {
        const octokit = await options.client.octokit();
        const response = await octokit.rest.checks.create({
          owner,
          repo,
          name,
          head_sha: options.sha,
          status: 'in_progress',
          started_at: new Date().toISOString(),
          ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
          output: { title: `${run.tasks.length} task${run.tasks.length === 1 ? '' : 's'} running`, summary: run.tasks.map((task) => `- ${task.task} (${task.phase})`).join('\n') },
          request: { signal },
        });
        return response.data.id;
      });
    },

    async runFinished(summary: RunSummary) {
      const id = await checkRun;
      if (id === undefined) return;
      const verdict = checkConclusion(summary);
      const markdown = renderPlanMarkdown(summary);
      await calls.run(`complete check run ${id}`, async (signal) => {
        const octokit = await options.client.octokit();
        await octokit.rest.checks.update({
          owner,
          repo,
          check_run_id: id,
          status: 'completed',
          conclusion: verdict,
          completed_at: new Date().toISOString(),
          output: { title: titleOf(summary), summary: markdown.length > MAX_SUMMARY ? `${markdown.slice(0, MAX_SUMMARY - 40)}\n\n… (cut: the plan is longer than GitHub allows)` : markdown },
          request: { signal },
        });
        conclusion = verdict;
      });
    },

    requiredFailure: () => (options.required ? calls.failures[0] : undefined),
    describe: () => `check run${conclusion ? ` (${conclusion})` : ''}`,
  };
}

function checkConclusion(summary: RunSummary): 'success' | 'failure' | 'cancelled' | 'timed_out' {
  if (summary.interrupted) return /deadline/.test(summary.interrupted) ? 'timed_out' : 'cancelled';
  return summary.exitCode === 0 ? 'success' : 'failure';
}

function titleOf(summary: RunSummary): string {
  if (summary.interrupted) return summary.interrupted;
  const failed = summary.results.filter((result) => result.status === 'failure' || result.status === 'error').map((result) => result.task);
  if (failed.length > 0) return `${failed.join(', ')} did not pass`;
  const changes = summary.results.reduce((total, result) => total + result.changes.length, 0);
  return summary.dryRun || summary.mode === 'plan' ? `${changes} change${changes === 1 ? '' : 's'} planned` : `${summary.results.length} task${summary.results.length === 1 ? '' : 's'} passed`;
}
