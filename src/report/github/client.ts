import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { registerSecret, type Logger } from '../../log.js';
import { VERSION } from '../../version.js';
import { gitHubError } from './errors.js';
import { sleep } from '../../timing.js';

export type GitHubAuth = { kind: 'token'; token: string } | { kind: 'app'; appId: number; privateKey: string; installationId?: number };

export interface GitHubClientOptions {
  apiUrl: string;
  repository: string;
  auth: GitHubAuth;
  log: Logger;
  /** Retries of 5xx, network errors and secondary rate limits. */
  retries: number;
  /** First retry after this long, then 4× and 9× (plugin-retry's quadratic backoff). */
  retryBaseMs?: number;
  /** A rate-limit wait longer than this is not waited for: the hook cannot wait an hour. */
  maxRateLimitWaitMs?: number;
  /** Time between two writes, to stay clear of GitHub's secondary rate limits; 0 while shutting down. */
  writeSpacingMs?: () => number;
  /** True once the run is being stopped: no more retries, no more waiting. */
  stopping?: () => boolean;
}

export interface GitHubClient {
  owner: string;
  repo: string;
  apiUrl: string;
  /** The Octokit authenticated for the repository (as the token, or as the App's installation). */
  octokit(): Promise<Octokit>;
  /** How the client authenticates, for messages: "a token", "GitHub App 123 (installation 456)". */
  identity(): string;
  /** The App's own Octokit (JWT), for doctor; undefined with a token. */
  appOctokit(): Octokit | undefined;
  /** The App's installation, once known. */
  installationId(): number | undefined;
}

const RetryingOctokit = Octokit.plugin(retry, throttling);

/**
 * An Octokit with bounded retries (@octokit/plugin-retry) and rate-limit handling
 * (@octokit/plugin-throttling) that never waits longer than the hook can afford. Every token and
 * key it uses is registered as a secret, so it is scrubbed from every line synchook writes.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const [owner, repo] = options.repository.split('/') as [string, string];
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const stopping = options.stopping ?? (() => false);
  const maxWaitMs = options.maxRateLimitWaitMs ?? 20_000;
  const log = options.log.child({ github: options.repository });

  const onLimit = (kind: string) => (retryAfterSeconds: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const wait = retryAfterSeconds * 1000;
    const retrying = !stopping() && retryCount < options.retries && wait <= maxWaitMs;
    log.warn({ request: `${request.method} ${request.url}`, retryAfterSeconds, retrying }, `GitHub ${kind}${retrying ? `: retrying in ${retryAfterSeconds} s` : ': not waiting that long'}`);
    return retrying;
  };

  const base = {
    baseUrl: apiUrl,
    userAgent: `synchook/${VERSION}`,
    // Octokit logs each failed request at error level; a retried one is not an error of the run.
    log: {
      debug: (message: string) => log.debug(message),
      info: (message: string) => log.debug(message),
      warn: (message: string) => log.warn(message),
      error: (message: string) => log.warn(`GitHub request failed: ${message}`),
    },
    retry: { retries: options.retries, retryAfterBaseValue: options.retryBaseMs ?? 500 },
    throttle: {
      onRateLimit: onLimit('rate limit reached'),
      onSecondaryRateLimit: onLimit('secondary rate limit reached'),
      retryAfterBaseValue: 1000,
      fallbackSecondaryRateRetryAfter: 5,
      write: writeGate(options.writeSpacingMs ?? (() => 250)),
    } satisfies ThrottlingOptions,
  };

  if (options.auth.kind === 'token') {
    registerSecret(options.auth.token);
    const octokit = new RetryingOctokit({ ...base, auth: options.auth.token });
    return { owner, repo, apiUrl, octokit: async () => octokit, identity: () => 'a token', appOctokit: () => undefined, installationId: () => undefined };
  }

  const app = options.auth;
  registerSecret(app.privateKey);
  const appOctokit = new RetryingOctokit({ ...base, authStrategy: createAppAuth, auth: { appId: app.appId, privateKey: app.privateKey } });
  let installationId = app.installationId;
  let installed: Promise<Octokit> | undefined;
  const octokit = (): Promise<Octokit> => {
    installed ??= (async () => {
      if (installationId === undefined) {
        try {
          const { data } = await appOctokit.rest.apps.getRepoInstallation({ owner, repo });
          installationId = data.id;
        } catch (error) {
          installed = undefined;
          throw gitHubError(error, { apiUrl, repository: options.repository, action: `find the installation of GitHub App ${app.appId} on ${options.repository}` });
        }
      }
      const installation = new RetryingOctokit({ ...base, authStrategy: createAppAuth, auth: { appId: app.appId, privateKey: app.privateKey, installationId } });
      try {
        // Fetched now (it is needed for the first status anyway) so the token is known as a secret.
        const { token } = (await installation.auth({ type: 'installation' })) as { token: string };
        registerSecret(token);
      } catch (error) {
        installed = undefined;
        throw gitHubError(error, { apiUrl, repository: options.repository, action: `get an installation token for GitHub App ${app.appId}` });
      }
      return installation;
    })();
    return installed;
  };
  return {
    owner,
    repo,
    apiUrl,
    octokit,
    identity: () => `GitHub App ${app.appId}${installationId !== undefined ? ` (installation ${installationId})` : ''}`,
    appOctokit: () => appOctokit,
    installationId: () => installationId,
  };
}

/**
 * The throttling plugin gates every write through this group before sending it. Its default
 * spaces writes one second apart (GitHub's advice against secondary rate limits), which would
 * make the final statuses after SIGTERM miss the grace period; this gate spaces them by
 * `spacingMs()` instead, which drops to 0 while shutting down.
 */
function writeGate(spacingMs: () => number): NonNullable<ThrottlingOptions['write']> {
  let next = 0;
  const gate = {
    schedule: async <T>(...args: unknown[]): Promise<T> => {
      const fn = (typeof args[0] === 'function' ? args[0] : args[1]) as (...rest: unknown[]) => Promise<T>;
      const rest = args.slice(typeof args[0] === 'function' ? 1 : 2);
      const now = Date.now();
      const spacing = spacingMs();
      const start = spacing > 0 ? Math.max(now, next) : now;
      next = start + spacing;
      if (start > now) await sleep(start - now);
      return fn(...rest);
    },
  };
  return { key: () => gate } as unknown as NonNullable<ThrottlingOptions['write']>;
}
