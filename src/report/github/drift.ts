import type { SynchookError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Reporter, RunSummary } from '../types.js';
import type { GitHubClient } from './client.js';
import { statusDescription } from './description.js';
import { guardedCalls } from './guarded.js';
import type { CommitState } from './statuses.js';

export interface DriftStatusReporterOptions {
  client: GitHubClient;
  /** The deployed commit: drift is reported where the desired state came from. */
  sha: string;
  /** Rendered context, e.g. "synchook/prod/drift". */
  context: string;
  targetUrl?: string;
  required: boolean;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

/** Changes per task, "topics 3, acls 1", for the status line and the log. */
function changeCounts(summary: RunSummary): { total: number; byTask: string } {
  const counted = summary.results.filter((result) => result.changes.length > 0);
  return {
    total: counted.reduce((sum, result) => sum + result.changes.length, 0),
    byTask: counted.map((result) => `${result.task} ${result.changes.length}`).join(', '),
  };
}

/**
 * The verdict of a drift check as one commit status: success when the cluster matches the commit,
 * failure when the plan has changes (the cluster drifted from it, or the commit was never fully
 * applied) or a check rejects the desired state, error when the plan could not be made.
 */
function driftVerdict(summary: RunSummary): { state: CommitState; description: string } {
  if (summary.interrupted) return { state: 'error', description: `drift check ${summary.interrupted}` };
  const broken = summary.results.filter((result) => result.status === 'error');
  if (broken.length > 0) return { state: 'error', description: `drift check failed: ${broken.map((result) => `${result.task}: ${result.summary}`).join('; ')}` };
  const violations = summary.results.flatMap((result) => result.violations);
  if (violations.length > 0) return { state: 'failure', description: `${violations.length} violation${violations.length === 1 ? '' : 's'}: ${violations[0]!.resource}: ${violations[0]!.message}` };
  const { total, byTask } = changeCounts(summary);
  if (total === 0) return { state: 'success', description: 'no drift: the cluster matches this commit' };
  return { state: 'failure', description: `drift: ${total} change${total === 1 ? '' : 's'} to apply (${byTask})` };
}

/** One commit status for `synchook plan --drift-status`: pending while planning, then the verdict. */
export function createDriftStatusReporter(options: DriftStatusReporterOptions): Reporter & { requiredFailure(): SynchookError | undefined; describe(): string } {
  const log = options.log.child({ reporter: 'github-drift' });
  const calls = guardedCalls({ client: options.client, required: options.required, timeoutMs: options.timeoutMs, log, signal: options.signal });
  const { owner, repo } = options.client;
  let confirmed: CommitState | undefined;
  const send = (state: CommitState, description: string) =>
    calls.run(`set the ${state} status ${options.context} on ${options.sha.slice(0, 7)}`, async (signal) => {
      const octokit = await options.client.octokit();
      await octokit.rest.repos.createCommitStatus({
        owner,
        repo,
        sha: options.sha,
        state,
        context: options.context,
        description: statusDescription(description),
        ...(options.targetUrl ? { target_url: options.targetUrl } : {}),
        request: { signal },
      });
      confirmed = state;
    });

  return {
    async runStarted() {
      await send('pending', 'checking the cluster for drift');
    },
    async runFinished(summary) {
      const verdict = driftVerdict(summary);
      await send(verdict.state, verdict.description);
    },
    requiredFailure: () => (options.required ? calls.failures[0] : undefined),
    describe: () => `drift status ${options.context}${confirmed ? ` (${confirmed})` : ''} on ${owner}/${repo}@${options.sha.slice(0, 7)}`,
  };
}
