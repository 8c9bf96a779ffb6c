import { ConfigError, type SynchookError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { commentMarker, renderPlanComment } from '../comment.js';
import type { Reporter, RunSummary } from '../types.js';
import type { GitHubClient } from './client.js';
import { guardedCalls } from './guarded.js';
import type { PullRequestTarget } from './pull-request.js';

export interface PlanCommentReporterOptions {
  client: GitHubClient;
  /** Undefined when no pull request was given or found: the reporter says so and does nothing. */
  pullRequest?: PullRequestTarget;
  /** The commit the plan was made for, shown in the comment. */
  sha?: string;
  environment: string;
  required: boolean;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * The plan as one comment on the pull request: created on the first run, edited in place on every
 * later one (found by its hidden marker, one per environment), so the conversation holds one
 * current plan instead of one per push.
 */
export function createPlanCommentReporter(options: PlanCommentReporterOptions): Reporter & { requiredFailure(): SynchookError | undefined; describe(): string } {
  const log = options.log.child({ reporter: 'github-comment' });
  const calls = guardedCalls({ client: options.client, required: options.required, timeoutMs: options.timeoutMs, log, signal: options.signal });
  const { owner, repo } = options.client;
  const marker = commentMarker(options.environment);
  let done: string | undefined;

  return {
    async runFinished(summary: RunSummary) {
      const pullRequest = options.pullRequest;
      if (!pullRequest) {
        const failure = new ConfigError('report.github.comment: no pull request to comment on. Run on a pull_request event (GITHUB_EVENT_PATH) or pass --pull-request N.');
        calls.failures.push(failure);
        if (options.required) log.error({ error: failure.message }, 'the plan comment cannot be posted, and report.github.required is set: the run will fail');
        else log.warn({ error: failure.message }, 'the plan is not posted as a comment');
        return;
      }
      const body = renderPlanComment(summary, { sha: options.sha });
      await calls.run(`post the plan on pull request #${pullRequest.number} of ${owner}/${repo}`, async (signal) => {
        const octokit = await options.client.octokit();
        try {
          const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: pullRequest.number, per_page: 100, request: { signal } });
          const existing = comments.find((comment) => comment.body?.includes(marker));
          if (existing) {
            await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body, request: { signal } });
            done = `plan comment updated on #${pullRequest.number}`;
          } else {
            await octokit.rest.issues.createComment({ owner, repo, issue_number: pullRequest.number, body, request: { signal } });
            done = `plan comment posted on #${pullRequest.number}`;
          }
          log.info({ pullRequest: pullRequest.number, from: pullRequest.from, characters: body.length }, done);
        } catch (error) {
          if ((error as { status?: number }).status === 403) {
            throw new ConfigError(`could not post the plan on pull request #${pullRequest.number} of ${owner}/${repo}: GitHub refused it (403). The token needs "Pull requests: write" (in Actions: permissions: pull-requests: write).`, { cause: error });
          }
          throw error;
        }
      });
    },
    requiredFailure: () => (options.required ? calls.failures[0] : undefined),
    describe: () => done ?? 'no plan comment',
  };
}
