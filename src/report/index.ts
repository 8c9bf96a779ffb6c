import type { LoadedConfig } from '../config/load.js';
import { ConfigError, ExitCode, SynchookError, messageOf, worstExitCode } from '../errors.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../log.js';
import type { GitHubReportConfig } from '../config/report.js';
import type { GitHubAuth, GitHubClient } from './github/client.js';
import { gitHubError } from './github/errors.js';
import { createCheckRunReporter } from './github/check-run.js';
import { createDeploymentReporter } from './github/deployments.js';
import { createDriftStatusReporter } from './github/drift.js';
import { createPlanCommentReporter } from './github/pr-comment.js';
import { findPullRequest } from './github/pull-request.js';
import { createGitHubStatusReporter } from './github/reporter.js';
import { renderTemplate, type TemplateValues } from '../config/template.js';
import { givenCommit, resolveCommit, type CommitSource } from './sha/resolve.js';
import type { Reporter, RunMode } from './types.js';

export interface ReporterOptions {
  loaded: LoadedConfig;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** Explicit commit (--sha); wins over config and environment. */
  sha?: string;
  mode?: RunMode;
  dryRun?: boolean;
  /** The CLI's signal (SIGTERM/SIGINT): pending statuses turn to error as soon as it aborts. */
  signal?: AbortSignal;
  /** Where the pod's ServiceAccount is mounted (tests). */
  serviceAccountDir?: string;
  /** `plan --drift-status`: the plan's verdict as one commit status <context>/drift. */
  driftStatus?: boolean;
  /** `plan --comment`: post the plan on the pull request (also report.github.comment). */
  comment?: boolean;
  /** `plan --pull-request N`: the pull request to comment on; found from the Actions event otherwise. */
  pullRequest?: number;
}

/** A reporter that can say whether it failed in a way that must fail the run, and what it did. */
interface AccountableReporter extends Reporter {
  requiredFailure(): SynchookError | undefined;
  describe(): string;
}

/**
 * The reporters a run sends its progress to, from the config's report section.
 *
 * With report.github: a commit SHA that is given but malformed is a ConfigError (exit 2). When no
 * commit can be found, or GitHub cannot be reached, the run goes on without statuses unless
 * report.github.required is set, which makes it exit 2 or 3 before any task runs.
 */
export async function createReporters(options: ReporterOptions): Promise<Reporter[]> {
  const comment = await planCommentReporters(options);
  return [...comment, ...(await commitReporters(options))];
}

/** `synchook plan --comment`: the plan as one comment on the pull request, edited on every push. */
async function planCommentReporters(options: ReporterOptions): Promise<Reporter[]> {
  const github = options.loaded.config.report?.github;
  if (options.mode !== 'plan' || !(options.comment || github?.comment)) return [];
  if (!github) throw new ConfigError('--comment posts the plan on the pull request: add report.github (repository, tokenFile) to the config.');
  const pullRequest = findPullRequest(options.pullRequest, options.env);
  const { createGitHubClient } = await import('./github/client.js');
  const client = createGitHubClient({ apiUrl: github.apiUrl, repository: github.repository, auth: gitHubAuth(github, options.env), log: options.log, retries: github.retries, stopping: () => options.signal?.aborted ?? false });
  const sha = options.sha ?? pullRequest?.headSha ?? (github.sha || undefined) ?? options.env.GITHUB_SHA;
  return [createPlanCommentReporter({ client, pullRequest, sha: sha ? String(sha) : undefined, environment: options.loaded.config.environment, required: github.required, timeoutMs: github.timeout, log: options.log, signal: options.signal })];
}

async function commitReporters(options: ReporterOptions): Promise<Reporter[]> {
  const github = options.loaded.config.report?.github;
  // `synchook plan` is read-only: no statuses or deployments, only the check run with the plan.
  const planOnly = options.mode === 'plan';
  const drift = planOnly && Boolean(options.driftStatus);
  if (drift && !github) throw new ConfigError('--drift-status reports to GitHub: add report.github (repository, tokenFile, sha) to the config.');
  if (!github || (planOnly && !github.checkRun?.enabled && !drift)) return [];
  const log = options.log.child({ reporter: 'github' });
  const skip = (error: SynchookError): Reporter[] => {
    if (github.required) throw error;
    log.warn({ error: error.message }, 'no GitHub statuses for this run (report.github.required is false)');
    return [];
  };

  const auth = gitHubAuth(github, options.env);
  const resolveOptions = { github, configDir: options.loaded.dir, env: options.env, cliSha: options.sha, serviceAccountDir: options.serviceAccountDir };
  // A given value that is not a SHA is the user's typo: always a configuration error (exit 2),
  // thrown here; a failed discovery stops only reporting that is not required.
  givenCommit(resolveOptions);
  const commit = await resolveCommit(resolveOptions).catch((error: unknown) => error as Error);
  if (commit instanceof Error) return skip(commit instanceof SynchookError ? commit : new ConfigError(messageOf(commit)));
  if (!commit) {
    return skip(new ConfigError('report.github: no commit to report to. Pass --sha, set report.github.sha (e.g. ${REVISION}) or GITHUB_SHA, or run as an ArgoCD hook Job.'));
  }
  log.info({ sha: commit.sha, from: commit.from, repository: github.repository }, 'reporting to GitHub');

  // Octokit loads only for a run that reports: it is a good part of start-up for one that does not.
  const { createGitHubClient } = await import('./github/client.js');
  const client = createGitHubClient({ apiUrl: github.apiUrl, repository: github.repository, auth, log: options.log, retries: github.retries, stopping: () => options.signal?.aborted ?? false, writeSpacingMs: () => (options.signal?.aborted ? 0 : 250) });
  if (github.required) await preflight(client, github.timeout, options.signal);

  const templateValues = linkValues(github, options, commit);
  const environment = options.loaded.config.environment;
  const link = (template: string | undefined, values: TemplateValues) => {
    if (!template) return undefined;
    const { text, missing } = renderTemplate(template, { ...templateValues, ...values });
    return missing.length === 0 ? text : undefined;
  };
  const reporters: Reporter[] = [];
  if (!planOnly) {
    reporters.push(createGitHubStatusReporter({
      client,
      sha: commit.sha,
      contextPrefix: renderTemplate(github.context, { env: options.loaded.config.environment }).text,
      aggregate: github.aggregate,
      targetUrl: github.targetUrl,
      templateValues,
      required: github.required,
      dryRun: Boolean(options.dryRun),
      timeoutMs: github.timeout,
      log: options.log,
      signal: options.signal,
    }));
  }
  const phase = options.mode === 'postsync' ? 'postsync' : 'presync';
  const deployments = github.deployments;
  if (deployments?.enabled && !planOnly) {
    reporters.push(createDeploymentReporter({
      client,
      sha: commit.sha,
      environment: deployments.environment ?? environment,
      production: deployments.production,
      transient: deployments.transient,
      environmentUrl: link(deployments.environmentUrl, { phase }),
      logUrl: link(github.targetUrl, { phase, task: '' }),
      finishOn: deployments.finishOn,
      required: github.required,
      dryRun: Boolean(options.dryRun),
      timeoutMs: github.timeout,
      log: options.log,
      signal: options.signal,
    }));
  }
  if (drift) {
    reporters.push(createDriftStatusReporter({
      client,
      sha: commit.sha,
      context: `${renderTemplate(github.context, { env: environment }).text}/drift`,
      targetUrl: link(github.targetUrl, { phase: 'plan', task: 'drift' }),
      required: github.required,
      timeoutMs: github.timeout,
      log: options.log,
      signal: options.signal,
    }));
  }
  if (github.checkRun?.enabled) {
    const checkRun = github.checkRun;
    reporters.push(createCheckRunReporter({
      client,
      sha: commit.sha,
      name: (phase) => renderTemplate(checkRun.name, { env: environment, phase }).text,
      detailsUrl: link(github.targetUrl, { phase, task: '' }),
      required: github.required,
      timeoutMs: github.timeout,
      log: options.log,
      signal: options.signal,
    }));
  }
  return reporters;
}

export function gitHubAuth(github: GitHubReportConfig, env: NodeJS.ProcessEnv): GitHubAuth {
  if (github.app) {
    return { kind: 'app', appId: github.app.appId, privateKey: github.app.privateKey!, installationId: github.app.installationId };
  }
  const token = github.token ?? env.GITHUB_TOKEN;
  if (!token) {
    throw new ConfigError('report.github: no credentials. Set tokenFile (a mounted Secret), token (e.g. ${GITHUB_TOKEN}), or app (a GitHub App).');
  }
  registerSecret(token);
  return { kind: 'token', token };
}

/** With required reporting, reach the repository before any task runs: a bad token fails fast. */
async function preflight(client: GitHubClient, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const octokit = await client.octokit();
    await octokit.rest.repos.get({ owner: client.owner, repo: client.repo, request: { signal: controller.signal } });
  } catch (error) {
    throw gitHubError(controller.signal.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : error, {
      apiUrl: client.apiUrl,
      repository: `${client.owner}/${client.repo}`,
      action: `reach ${client.owner}/${client.repo} (report.github.required is set)`,
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function linkValues(github: GitHubReportConfig, options: ReporterOptions, commit: CommitSource): TemplateValues {
  const [owner, repo] = github.repository.split('/') as [string, string];
  const found = commit.argocd;
  const values: TemplateValues = {
    env: options.loaded.config.environment,
    sha: commit.sha,
    shortSha: commit.sha.slice(0, 7),
    repository: github.repository,
    owner,
    repo,
    argocdApp: found?.app,
    argocdAppNamespace: found?.appNamespace,
    namespace: found?.namespace ?? (options.env.POD_NAMESPACE || undefined),
    pod: found?.pod ?? (options.env.POD_NAME || undefined),
    jobName: found?.jobName ?? (options.env.JOB_NAME || undefined),
  };
  return values;
}

function isAccountable(reporter: Reporter): reporter is AccountableReporter {
  return typeof (reporter as Partial<AccountableReporter>).requiredFailure === 'function';
}

/** The first reporting failure that must fail the run (report.github.required), if any. */
export function requiredReportingFailure(reporters: Reporter[]): SynchookError | undefined {
  for (const reporter of reporters) {
    if (!isAccountable(reporter)) continue;
    const failure = reporter.requiredFailure();
    if (failure) return failure;
  }
  return undefined;
}

export function reportingLines(reporters: Reporter[]): string[] {
  return reporters.filter(isAccountable).map((reporter) => reporter.describe());
}

/**
 * The run's exit code once reporting is taken into account: a required reporting failure turns
 * a success into its own code (3 unreachable, 2 credentials, 1 refused), and ranks with the
 * runner's codes (2 before 3 before 1) otherwise.
 */
export function exitCodeWithReporting(runExitCode: number, failure: SynchookError | undefined): number {
  if (!failure || runExitCode > ExitCode.Unreachable) return runExitCode;
  return worstExitCode([runExitCode, failure.exitCode]);
}
