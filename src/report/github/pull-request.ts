import { readFileSync } from 'node:fs';

export interface PullRequestTarget {
  number: number;
  /** The head commit of the pull request, when the event names it. */
  headSha?: string;
  from: string;
}

/**
 * The pull request to comment on: --pull-request N, else the Actions event in $GITHUB_EVENT_PATH
 * (pull_request and pull_request_target events carry `pull_request`; issue_comment on a pull
 * request carries `issue.pull_request`). Undefined when neither names one.
 */
export function findPullRequest(given: number | undefined, env: NodeJS.ProcessEnv): PullRequestTarget | undefined {
  if (given !== undefined) return { number: given, from: '--pull-request' };
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return undefined;
  let event: { pull_request?: { number?: number; head?: { sha?: string } }; issue?: { number?: number; pull_request?: unknown } };
  try {
    event = JSON.parse(readFileSync(path, 'utf8')) as typeof event;
  } catch {
    return undefined;
  }
  if (typeof event.pull_request?.number === 'number') return { number: event.pull_request.number, headSha: event.pull_request.head?.sha, from: `the ${env.GITHUB_EVENT_NAME ?? 'pull_request'} event` };
  if (event.issue?.pull_request && typeof event.issue.number === 'number') return { number: event.issue.number, from: `the ${env.GITHUB_EVENT_NAME ?? 'issue_comment'} event` };
  return undefined;
}
