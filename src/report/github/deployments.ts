import { formatDuration } from '../../duration.js';
import type { SynchookError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Reporter, RunMode, RunSummary } from '../types.js';
import type { GitHubClient } from './client.js';
import { statusDescription } from './description.js';
import { guardedCalls } from './guarded.js';

type DeploymentState = 'error' | 'failure' | 'in_progress' | 'success';

export interface DeploymentReporterOptions {
  client: GitHubClient;
  sha: string;
  environment: string;
  production?: boolean;
  transient: boolean;
  environmentUrl?: string;
  logUrl?: string;
  finishOn: 'presync' | 'postsync';
  required: boolean;
  dryRun: boolean;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * A GitHub Deployment of the commit to the environment: PreSync creates it (in progress),
 * PostSync finds it again and finishes it, so one sync is one deployment on GitHub. Created with
 * auto_merge false (never merge the default branch into the deployed commit) and no required
 * contexts (synchook's own statuses are still pending when it starts).
 */
export function createDeploymentReporter(options: DeploymentReporterOptions): Reporter & { requiredFailure(): SynchookError | undefined; describe(): string } {
  const log = options.log.child({ reporter: 'github-deployment' });
  const calls = guardedCalls({ client: options.client, required: options.required, timeoutMs: options.timeoutMs, log, signal: options.signal });
  const { owner, repo } = options.client;
  let deployment: Promise<number | undefined> | undefined;
  let mode: RunMode | undefined;
  let last: DeploymentState | undefined;

  const setState = (state: DeploymentState, description: string) =>
    deployment?.then((id) =>
      id === undefined
        ? undefined
        : calls.run(`set deployment ${id} to ${state}`, async (signal) => {
            const octokit = await options.client.octokit();
            await octokit.rest.repos.createDeploymentStatus({
              owner,
              repo,
              deployment_id: id,
              state,
              description: statusDescription(description),
              environment: options.environment,
              ...(options.logUrl ? { log_url: options.logUrl } : {}),
              ...(options.environmentUrl && state === 'success' ? { environment_url: options.environmentUrl } : {}),
              request: { signal },
            });
            last = state;
          }),
    );

  const create = (signal: AbortSignal) =>
    options.client.octokit().then((octokit) =>
      octokit.rest.repos
        .createDeployment({
          owner,
          repo,
          ref: options.sha,
          environment: options.environment,
          auto_merge: false,
          required_contexts: [],
          description: statusDescription(`synchook ${mode} of ${options.sha.slice(0, 7)} to ${options.environment}`),
          transient_environment: options.transient,
          ...(options.production !== undefined ? { production_environment: options.production } : {}),
          request: { signal },
        })
        .then((response) => (response.status === 201 ? (response.data as { id: number }).id : undefined)),
    );

  const existing = (signal: AbortSignal) =>
    options.client.octokit().then((octokit) =>
      octokit.rest.repos.listDeployments({ owner, repo, sha: options.sha, environment: options.environment, per_page: 1, request: { signal } }).then((response) => response.data[0]?.id),
    );

  return {
    async runStarted(run) {
      mode = run.mode;
      if (options.dryRun || run.tasks.length === 0) return;
      deployment = calls.run(`create a deployment of ${options.sha.slice(0, 7)} to ${options.environment}`, async (signal) => {
        // PostSync continues the deployment PreSync created for this commit and environment.
        const found = run.mode === 'postsync' ? await existing(signal) : undefined;
        return found ?? (await create(signal));
      });
      void setState('in_progress', run.mode === 'postsync' ? 'PostSync checks running' : 'PreSync running: plan every task, then apply');
    },

    async runFinished(summary: RunSummary) {
      if (!deployment) return;
      const failed = summary.results.filter((result) => result.status !== 'success');
      let state: DeploymentState;
      let description: string;
      if (summary.interrupted) [state, description] = ['error', summary.interrupted];
      else if (failed.some((result) => result.status === 'error')) [state, description] = ['error', `${summary.mode}: ${failed.map((result) => result.task).join(', ')} could not run`];
      else if (failed.length > 0) [state, description] = ['failure', `${summary.mode}: ${failed.map((result) => result.task).join(', ')} did not pass`];
      else if (summary.mode === 'presync' && options.finishOn === 'postsync') [state, description] = ['in_progress', `PreSync passed in ${formatDuration(summary.durationMs)}; PostSync follows`];
      else [state, description] = ['success', `${summary.mode} passed in ${formatDuration(summary.durationMs)}`];
      await setState(state, description);
    },

    requiredFailure: () => (options.required ? calls.failures[0] : undefined),
    describe: () => `deployment to ${options.environment}${last ? ` (${last.replace('_', ' ')})` : ''}`,
  };
}
