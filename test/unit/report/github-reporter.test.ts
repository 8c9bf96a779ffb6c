import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AbortedError, ExitCode, UnreachableError } from '../../../src/errors.js';
import { exitCodeWithReporting, requiredReportingFailure } from '../../../src/report/index.js';
import { createGitHubClient } from '../../../src/report/github/client.js';
import { createGitHubStatusReporter, type GitHubStatusReporterOptions } from '../../../src/report/github/reporter.js';
import { runPhase } from '../../../src/runner.js';
import { definePlanApplyTask, type TaskDefinition } from '../../../src/tasks/types.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../harness/github-standin.js';
import { capturedLogger, clients, loaded, never, postsyncTask, presyncTask, randomSha } from './helpers.js';

const TOKEN = 'ghp_unitTestToken0123456789abcdef';
const PREFIX = 'synchook/dev';
let gh: GitHubStandIn;
let logs: ReturnType<typeof capturedLogger>;

beforeAll(async () => {
  gh = await startGitHubStandIn({ tokens: [TOKEN] });
});
afterAll(async () => {
  await gh.close();
});
afterEach(() => {
  // Every request the reporter made must be one GitHub accepts.
  expect(gh.problems()).toEqual([]);
  // The token never appears in a log line, whatever happened.
  expect(logs.text()).not.toContain(TOKEN);
  gh.clearFaults();
});

function reporter(sha: string, overrides: Partial<GitHubStatusReporterOptions> & { apiUrl?: string } = {}) {
  logs = capturedLogger();
  const client = createGitHubClient({ apiUrl: overrides.apiUrl ?? gh.url, repository: 'acme/orders', auth: { kind: 'token', token: TOKEN }, log: logs.log, retries: 3, retryBaseMs: 20, writeSpacingMs: () => 0 });
  return createGitHubStatusReporter({
    client,
    sha,
    contextPrefix: PREFIX,
    aggregate: true,
    targetUrl: 'https://argocd.example.com/applications/argocd/{argocdApp}?node=batch/Job/{namespace}/{jobName}/0&tab=logs#{context}',
    templateValues: { env: 'dev', sha, argocdApp: 'orders-dev', namespace: 'orders-dev', jobName: 'synchook-presync' },
    required: false,
    dryRun: false,
    timeoutMs: 5_000,
    log: logs.log,
    ...overrides,
  });
}

function run(tasks: TaskDefinition[], reporters: ReturnType<typeof reporter>[], extra: { signal?: AbortSignal; mode?: 'presync' | 'postsync' | 'run'; taskNames?: string[] } = {}) {
  const sections = Object.fromEntries(tasks.map((task) => [task.configKey, {}]));
  return runPhase({ mode: extra.mode ?? 'presync', loaded: loaded(sections), log: logs.log, clients, tasks, reporters, signal: extra.signal, taskNames: extra.taskNames });
}

describe('commit statuses over a run', () => {
  it('sets each task pending, then success with its figures, plus the phase aggregate', async () => {
    const sha = randomSha();
    const github = reporter(sha);
    const summary = await run([presyncTask('schemas'), presyncTask('topics', { apply: async () => '3 topics created, 1 config changed' })], [github]);
    expect(summary.exitCode).toBe(0);
    expect(gh.states(sha)).toEqual({
      [`${PREFIX}/presync/schemas`]: ['pending', 'success'],
      [`${PREFIX}/presync/topics`]: ['pending', 'success'],
      [`${PREFIX}/presync`]: ['pending', 'success'],
    });
    const latest = gh.latest(sha);
    expect(latest[`${PREFIX}/presync/topics`]!.description).toMatch(/^3 topics created, 1 config changed \(\d+ ms\)$/);
    expect(latest[`${PREFIX}/presync`]!.description).toMatch(/^2 tasks passed in/);
    expect(latest[`${PREFIX}/presync/topics`]!.target_url).toBe(`https://argocd.example.com/applications/argocd/orders-dev?node=batch/Job/orders-dev/synchook-presync/0&tab=logs#${PREFIX}/presync/topics`);
    expect(latest[`${PREFIX}/presync`]!.target_url).toBe(`https://argocd.example.com/applications/argocd/orders-dev?node=batch/Job/orders-dev/synchook-presync/0&tab=logs#${PREFIX}/presync`);
    expect(github.confirmed()).toEqual({ [`${PREFIX}/presync/schemas`]: 'success', [`${PREFIX}/presync/topics`]: 'success', [`${PREFIX}/presync`]: 'success' });
    expect(github.describe()).toBe(`6 GitHub status updates on acme/orders@${sha.slice(0, 7)}`);
  });

  it('marks a rejected plan as failure, and the task it kept from applying as failure too', async () => {
    const sha = randomSha();
    const tasks = [
      presyncTask('schemas'),
      presyncTask('topics', { plan: async () => ({ violations: [{ resource: 'topic orders.v1', message: 'partitions 12 → 6 is a decrease; Kafka cannot remove partitions. Create a new topic or keep 12.' }] }) }),
    ];
    const summary = await run(tasks, [reporter(sha)]);
    expect(summary.exitCode).toBe(ExitCode.Rejected);
    expect(gh.states(sha)).toEqual({
      [`${PREFIX}/presync/schemas`]: ['pending', 'failure'],
      [`${PREFIX}/presync/topics`]: ['pending', 'failure'],
      [`${PREFIX}/presync`]: ['pending', 'failure'],
    });
    const latest = gh.latest(sha);
    expect(latest[`${PREFIX}/presync/topics`]!.description).toBe('rejected: topic orders.v1: partitions 12 → 6 is a decrease; Kafka cannot remove partitions. Create a new topic or keep 12.');
    expect(latest[`${PREFIX}/presync/schemas`]!.description).toMatch(/^not applied: topics was rejected/);
    expect(latest[`${PREFIX}/presync`]!.description).toBe('failed: topics · 1 not applied');
  });

  it('marks an unreachable dependency as error, and the task it kept from applying as error', async () => {
    const sha = randomSha();
    const tasks = [
      presyncTask('schemas', { plan: async () => Promise.reject(new UnreachableError('cannot reach the registry at http://127.0.0.1:1: connect ECONNREFUSED')) }),
      presyncTask('topics'),
    ];
    const summary = await run(tasks, [reporter(sha)]);
    expect(summary.exitCode).toBe(ExitCode.Unreachable);
    expect(gh.states(sha)).toEqual({
      [`${PREFIX}/presync/schemas`]: ['pending', 'error'],
      [`${PREFIX}/presync/topics`]: ['pending', 'error'],
      [`${PREFIX}/presync`]: ['pending', 'error'],
    });
    expect(gh.latest(sha)[`${PREFIX}/presync/schemas`]!.description).toBe('cannot reach the registry at http://127.0.0.1:1: connect ECONNREFUSED');
  });

  it('queues PostSync checks and runs them one after another', async () => {
    const sha = randomSha();
    const seen = (description: string) => () => gh.statuses(sha).some((status) => status.context === `${PREFIX}/postsync/health` && status.description === description);
    // Each check lasts until GitHub has shown the other one's state, as a real check would.
    const smoke = postsyncTask('smoke', async () => {
      await gh.waitFor(seen('queued'));
      return '1000/1000 msgs p99 23 ms';
    });
    const health = postsyncTask('health', async () => {
      await gh.waitFor(seen('running'));
      return 'lag ≤ 4';
    });
    const summary = await run([smoke, health], [reporter(sha)], { mode: 'postsync' });
    expect(summary.exitCode).toBe(0);
    const states = gh.states(sha);
    expect(states[`${PREFIX}/postsync/smoke`]).toEqual(['pending', 'success']);
    expect(states[`${PREFIX}/postsync/health`]).toEqual(['pending', 'pending', 'success']);
    const descriptions = gh.statuses(sha).filter((status) => status.context === `${PREFIX}/postsync/health`).map((status) => status.description);
    expect(descriptions[0]).toBe('queued');
    expect(descriptions[1]).toBe('running');
    expect(gh.latest(sha)[`${PREFIX}/postsync/smoke`]!.description).toMatch(/^1000\/1000 msgs p99 23 ms/);
  });

  it('says "dry run" and never claims a change was applied', async () => {
    const sha = randomSha();
    await runPhase({ mode: 'presync', dryRun: true, loaded: loaded({ topics: {} }), log: capturedLogger().log, clients, tasks: [presyncTask('topics')], reporters: [reporter(sha, { dryRun: true })] });
    expect(gh.latest(sha)[`${PREFIX}/presync/topics`]).toMatchObject({ state: 'success', description: 'dry run: plan: 1 to create' });
  });

  it('keeps every description within 140 characters, cut at a word', async () => {
    const sha = randomSha();
    const long = `cannot reach Kafka at ${Array.from({ length: 12 }, (_, index) => `broker-${index}.kafka.svc.cluster.local:9092`).join(', ')}: connection refused`;
    await run([presyncTask('topics', { plan: async () => Promise.reject(new UnreachableError(long)) })], [reporter(sha)]);
    const description = gh.latest(sha)[`${PREFIX}/presync/topics`]!.description!;
    expect(description.length).toBeLessThanOrEqual(140);
    expect(description.endsWith('…')).toBe(true);
    expect(long.startsWith(description.slice(0, -1))).toBe(true);
  });

  it('never sends the same state twice, so reruns stay far from the 1000-status limit', async () => {
    const sha = randomSha();
    const github = reporter(sha, { aggregate: false });
    await github.runStarted!({ mode: 'presync', tasks: [{ task: 'topics', phase: 'presync' }] });
    await github.taskStarted!({ task: 'topics', phase: 'presync' });
    await github.taskStarted!({ task: 'topics', phase: 'presync' });
    await github.runFinished!({ mode: 'presync', environment: 'dev', exitCode: 0, startedAt: 0, durationMs: 1, results: [], dryRun: false });
    expect(gh.states(sha)[`${PREFIX}/presync/topics`]).toEqual(['pending', 'error']);
  });
});

describe('a final status always', () => {
  it('turns every pending context to error on SIGTERM, naming the signal and the time', async () => {
    const sha = randomSha();
    const controller = new AbortController();
    const github = reporter(sha, { signal: controller.signal });
    const tasks = [presyncTask('schemas'), presyncTask('topics', { plan: never })];
    const running = run(tasks, [github], { signal: controller.signal });
    await gh.waitFor(() => Object.keys(gh.states(sha)).length === 3);
    controller.abort(new AbortedError('terminated by SIGTERM', 143 as never));
    const summary = await running;
    expect(summary.exitCode).toBe(143);
    const latest = gh.latest(sha);
    expect(Object.keys(latest).sort()).toEqual([`${PREFIX}/presync`, `${PREFIX}/presync/schemas`, `${PREFIX}/presync/topics`]);
    for (const [context, status] of Object.entries(latest)) {
      expect(status.state, context).toBe('error');
      expect(status.description, context).toMatch(/terminated by SIGTERM after \d/);
    }
  });

  it('after SIGTERM during an apply, the task and phase statuses say what the broker confirmed', async () => {
    const sha = randomSha();
    const controller = new AbortController();
    const github = reporter(sha, { signal: controller.signal });
    const applying = definePlanApplyTask({
      name: 'topics',
      phase: 'presync',
      configKey: 'topics',
      configSchema: z.strictObject({}),
      description: 'topics',
      async plan() {
        return { task: 'topics', changes: ['a', 'b', 'c'].map((name) => ({ action: 'create' as const, resource: `topic ${name}` })), violations: [], warnings: [] };
      },
      async apply(ctx) {
        ctx.applied!.sent(['topic a']);
        ctx.applied!.confirmed('topic a');
        setTimeout(() => controller.abort(new AbortedError('terminated by SIGTERM', 143 as never)), 50);
        return never(ctx.signal);
      },
    });
    await run([applying], [github], { signal: controller.signal });
    const latest = gh.latest(sha);
    expect(latest[`${PREFIX}/presync/topics`]!.state).toBe('error');
    expect(latest[`${PREFIX}/presync/topics`]!.description).toMatch(/^stopped: 1 of 3 topics created; 2 not applied \(terminated by SIGTERM\)/);
    expect(latest[`${PREFIX}/presync`]!.description).toMatch(/^stopped: 1 of 3 topics created; 2 not applied \(terminated by SIGTERM after/);
  });

  it('gets the final errors through even when the pending updates are stuck at GitHub', async () => {
    const sha = randomSha();
    const controller = new AbortController();
    const github = reporter(sha, { signal: controller.signal, aggregate: false });
    gh.fault({ kind: 'hang', operationId: 'repos/create-commit-status', times: 2 });
    const running = run([presyncTask('schemas', { plan: never }), presyncTask('topics', { plan: never })], [github], { signal: controller.signal });
    await gh.waitFor(() => gh.requests.filter((request) => request.fault === 'hang').length === 2);
    controller.abort(new AbortedError('terminated by SIGTERM', 143 as never));
    await running;
    expect(gh.states(sha)).toEqual({ [`${PREFIX}/presync/schemas`]: ['error'], [`${PREFIX}/presync/topics`]: ['error'] });
  });

  it('finishes contexts a run left pending when the global deadline passes', async () => {
    const sha = randomSha();
    const github = reporter(sha, { aggregate: false });
    const summary = await runPhase({ mode: 'presync', timeoutMs: 300, loaded: loaded({ topics: {} }), log: logs.log, clients, tasks: [presyncTask('topics', { plan: never })], reporters: [github] });
    expect(summary.exitCode).toBe(ExitCode.Unreachable);
    expect(gh.latest(sha)[`${PREFIX}/presync/topics`]).toMatchObject({ state: 'error' });
    expect(gh.latest(sha)[`${PREFIX}/presync/topics`]!.description).toMatch(/deadline of 300 ms passed/);
  });
});

describe('GitHub failures', () => {
  it('retries 5xx answers within bounds and ends with the right states', async () => {
    const sha = randomSha();
    gh.fault({ kind: 500, operationId: 'repos/create-commit-status', times: 2 });
    gh.fault({ kind: 502, operationId: 'repos/create-commit-status', times: 1 });
    const github = reporter(sha, { aggregate: false });
    const summary = await run([presyncTask('topics')], [github]);
    expect(summary.exitCode).toBe(0);
    expect(gh.latest(sha)[`${PREFIX}/presync/topics`]!.state).toBe('success');
    expect(gh.requests.filter((request) => request.path.endsWith(sha) && request.fault).length).toBe(3);
    expect(requiredReportingFailure([github])).toBeUndefined();
  });

  it('waits out a secondary rate limit with its retry-after, once', async () => {
    const sha = randomSha();
    gh.fault({ kind: 'secondary-rate-limit', operationId: 'repos/create-commit-status', times: 1, retryAfter: 1 });
    const summary = await run([presyncTask('topics')], [reporter(sha, { aggregate: false })]);
    expect(summary.exitCode).toBe(0);
    expect(gh.states(sha)[`${PREFIX}/presync/topics`]).toEqual(['pending', 'success']);
    expect(logs.text()).toContain('secondary rate limit reached: retrying in 1 s');
  });

  it('leaves the verdict alone when reporting is not required: 401 is a warning', async () => {
    const sha = randomSha();
    gh.fault({ kind: 401, times: 100 });
    const github = reporter(sha);
    const summary = await run([presyncTask('topics')], [github]);
    expect(summary.exitCode).toBe(0);
    expect(requiredReportingFailure([github])).toBeUndefined();
    expect(exitCodeWithReporting(summary.exitCode, requiredReportingFailure([github]))).toBe(0);
    expect(logs.text()).toContain('rejected the credentials (401 Bad credentials)');
    expect(logs.text()).toContain('the run goes on');
  });

  it('fails a required report: 401 is exit 2', async () => {
    const sha = randomSha();
    gh.fault({ kind: 401, times: 100 });
    const github = reporter(sha, { required: true });
    const summary = await run([presyncTask('topics')], [github]);
    const failure = requiredReportingFailure([github]);
    expect(failure?.exitCode).toBe(ExitCode.Config);
    expect(exitCodeWithReporting(summary.exitCode, failure)).toBe(ExitCode.Config);
  });

  it('fails a required report: an unreachable GitHub is exit 3', async () => {
    const sha = randomSha();
    const port = await closedPort();
    const github = reporter(sha, { required: true, apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const summary = await run([presyncTask('topics')], [github]);
    expect(summary.exitCode).toBe(0);
    const failure = requiredReportingFailure([github]);
    expect(failure?.exitCode).toBe(ExitCode.Unreachable);
    expect(failure?.message).toContain(`GitHub at http://127.0.0.1:${port} could not be reached`);
    expect(exitCodeWithReporting(summary.exitCode, failure)).toBe(ExitCode.Unreachable);
  });

  it('fails a required report: a refused status (422) is exit 1', async () => {
    const sha = randomSha();
    gh.fault({ kind: 422, operationId: 'repos/create-commit-status', times: 1 });
    const github = reporter(sha, { required: true, aggregate: false });
    await run([presyncTask('topics')], [github]);
    expect(requiredReportingFailure([github])?.exitCode).toBe(ExitCode.Rejected);
  });

  it('stops writing to a context whose 1000 statuses are used up, and says how to get out', async () => {
    const limited = await startGitHubStandIn({ tokens: [TOKEN], statusLimit: 3 });
    try {
      const sha = randomSha();
      for (let attempt = 0; attempt < 2; attempt++) {
        await run([presyncTask('topics')], [reporter(sha, { apiUrl: limited.url, aggregate: false })]);
      }
      expect(limited.states(sha)[`${PREFIX}/presync/topics`]).toEqual(['pending', 'success', 'pending']);
      expect(logs.text()).toContain('GitHub keeps at most 1000 statuses per commit and context');
      // Nothing more was tried for that context once GitHub said it was full.
      expect(limited.requests.filter((request) => request.status === 422)).toHaveLength(1);
      expect(limited.problems()).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
