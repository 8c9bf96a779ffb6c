import { ConfigError, SynchookError, TaskFailedError, UnreachableError, messageOf } from '../../errors.js';

interface RequestErrorLike {
  status?: number;
  message: string;
  name?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

export interface GitHubErrorContext {
  apiUrl: string;
  repository: string;
  /** What synchook was doing: "set the status synchook/dev/presync/topics on abc1234". */
  action: string;
}

/** GitHub's answer to a commit status past its limit of 1000 per SHA and context (HTTP 422). */
const STATUS_LIMIT_MESSAGE = 'This SHA and context has reached the maximum number of statuses';

/**
 * One sentence naming what failed and what to do, with the exit code the failure deserves when
 * reporting is required: 2 for credentials and permissions the user must fix, 3 for an
 * unreachable or rate-limited GitHub, 1 for a status GitHub refused.
 */
export function gitHubError(error: unknown, context: GitHubErrorContext): SynchookError {
  if (error instanceof SynchookError) return error;
  const failure = error as RequestErrorLike;
  const status = typeof failure?.status === 'number' ? failure.status : undefined;
  const reason = gitHubReason(error);
  const where = `GitHub at ${context.apiUrl}`;
  if (failure?.name === 'AbortError' || failure?.name === 'TimeoutError') {
    return new UnreachableError(`could not ${context.action}: ${where} did not answer in time.`, { cause: error });
  }
  if (status === undefined || status >= 500) {
    return new UnreachableError(`could not ${context.action}: ${where} could not be reached (${reason}). Check report.github.apiUrl and the network path to it.`, { cause: error });
  }
  if (status === 401) {
    return new ConfigError(`could not ${context.action}: ${where} rejected the credentials (401 ${reason}). Check report.github.token, tokenFile or the App's private key.`, { cause: error });
  }
  if (isRateLimited(failure)) {
    return new UnreachableError(`could not ${context.action}: ${where} rate-limited the request (${status} ${reason}) longer than synchook waits.`, { cause: error });
  }
  if (status === 403) {
    return new ConfigError(`could not ${context.action}: ${where} refused it (403 ${reason}). The token or App needs "Commit statuses: write" on ${context.repository}.`, { cause: error });
  }
  if (status === 404) {
    return new ConfigError(`could not ${context.action}: ${context.repository} was not found at ${where}, or the credentials cannot see it (404). Check report.github.repository and the token's repository access.`, { cause: error });
  }
  if (status === 422 && reason.includes(STATUS_LIMIT_MESSAGE)) {
    return new TaskFailedError(`could not ${context.action}: GitHub keeps at most 1000 statuses per commit and context, and this one is full. Deploy a new commit, or change report.github.context.`, { cause: error });
  }
  return new TaskFailedError(`could not ${context.action}: ${where} refused it (${status} ${reason}).`, { cause: error });
}

export function isStatusLimit(error: unknown): boolean {
  return (error as RequestErrorLike)?.status === 422 && gitHubReason(error).includes(STATUS_LIMIT_MESSAGE);
}

function isRateLimited(failure: RequestErrorLike): boolean {
  if (failure.status === 429) return true;
  if (failure.status !== 403) return false;
  return /rate limit/i.test(failure.message) || failure.response?.headers?.['x-ratelimit-remaining'] === '0';
}

/** GitHub's own words: the message plus the first validation error, when there is one. */
function gitHubReason(error: unknown): string {
  const data = (error as RequestErrorLike)?.response?.data as { message?: string; errors?: Array<{ message?: string; field?: string; code?: string } | string> } | undefined;
  if (data && typeof data === 'object' && typeof data.message === 'string') {
    const first = data.errors?.[0];
    const detail = typeof first === 'string' ? first : first?.message ?? (first?.field ? `${first.field} ${first.code ?? 'invalid'}` : undefined);
    return detail ? `${data.message}: ${detail}` : data.message;
  }
  const cause = (error as { cause?: unknown })?.cause;
  const message = messageOf(error);
  return cause instanceof Error && cause.message && !message.includes(cause.message) ? `${message}: ${cause.message}` : message;
}
