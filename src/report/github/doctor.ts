import type { Octokit } from '@octokit/rest';
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { DoctorCheck } from '../types.js';
import { gitHubAuth } from '../index.js';
import { resolveCommit } from '../sha/resolve.js';
import { createGitHubClient } from './client.js';
import { gitHubError } from './errors.js';
import { renderTemplate } from '../../config/template.js';

/**
 * `synchook doctor` for report.github: reach the API with the configured credentials, say who
 * they are and what they may do on the repository, and which commit a run would report to.
 */
export async function checkGitHub(loaded: LoadedConfig, options: { log: Logger; env: NodeJS.ProcessEnv; signal: AbortSignal }): Promise<DoctorCheck> {
  const github = loaded.config.report!.github!;
  const auth = gitHubAuth(github, options.env);
  const client = createGitHubClient({ apiUrl: github.apiUrl, repository: github.repository, auth, log: options.log, retries: 1 });
  const request = { request: { signal: options.signal } };
  const fail = (error: unknown, action: string) => gitHubError(error, { apiUrl: client.apiUrl, repository: github.repository, action });
  const lines = [`api: ${client.apiUrl}`];
  const warnings: string[] = [];

  let identity: string;
  if (auth.kind === 'app') {
    const app = await client.appOctokit()!.rest.apps.getAuthenticated(request).catch((error: unknown) => {
      throw fail(error, `authenticate as GitHub App ${auth.appId}`);
    });
    await client.octokit();
    identity = `GitHub App ${app.data?.slug ?? auth.appId} (id ${auth.appId}, installation ${client.installationId()})`;
  } else {
    identity = await tokenIdentity(await client.octokit(), request);
  }
  lines.push(`authenticated as: ${identity}`);

  const octokit = await client.octokit();
  const repository = await octokit.rest.repos.get({ owner: client.owner, repo: client.repo, ...request }).catch((error: unknown) => {
    throw fail(error, `read ${github.repository}`);
  });
  const push = repository.data.permissions?.push;
  lines.push(`repository: ${repository.data.full_name}${push === undefined ? '' : ` (push access: ${push ? 'yes' : 'no'})`}`);
  if (push === false && auth.kind === 'token') warnings.push('this token has no push access: GitHub will refuse its commit statuses unless it is a fine-grained token with "Commit statuses: write".');

  const commit = await resolveCommit({ github, configDir: loaded.dir, env: options.env }).catch((error: unknown) => error as Error);
  if (commit instanceof Error) {
    lines.push(`commit: ${messageOf(commit)}`);
    if (github.required) return { name: 'github', ok: false, lines, exitCode: ExitCode.Config };
  } else if (!commit) {
    lines.push('commit: none given here (a run takes it from --sha, report.github.sha, GITHUB_SHA or the ArgoCD Application)');
  } else {
    await octokit.rest.repos.getCommit({ owner: client.owner, repo: client.repo, ref: commit.sha, ...request }).then(
      () => lines.push(`commit: ${commit.sha.slice(0, 7)} from ${commit.from}, found in ${github.repository}`),
      (error: unknown) => {
        lines.push(`commit: ${commit.sha.slice(0, 7)} from ${commit.from}`);
        warnings.push(`${github.repository} has no commit ${commit.sha} (${messageOf(fail(error, 'look the commit up'))})`);
      },
    );
  }
  const prefix = renderTemplate(github.context, { env: loaded.config.environment }).text;
  lines.push(`contexts: ${prefix}/<phase>/<task>${github.aggregate ? ` and ${prefix}/<phase>` : ''}; required: ${github.required ? 'yes' : 'no'}`);
  lines.push(...warnings.map((warning) => `warning: ${warning}`));
  return { name: 'github', ok: true, lines, exitCode: ExitCode.Success, facts: { apiUrl: client.apiUrl, repository: repository.data.full_name, identity, push } };
}

async function tokenIdentity(octokit: Octokit, request: { request: { signal: AbortSignal } }): Promise<string> {
  try {
    const user = await octokit.rest.users.getAuthenticated(request);
    const scopes = user.headers['x-oauth-scopes'];
    return `${user.data.login} (token${scopes ? `, scopes: ${scopes}` : ''})`;
  } catch (error) {
    // Installation tokens and Actions' GITHUB_TOKEN are not users: GitHub answers 403 here.
    if ((error as { status?: number }).status === 403) return 'an integration token (GITHUB_TOKEN or a GitHub App installation token)';
    throw error;
  }
}
