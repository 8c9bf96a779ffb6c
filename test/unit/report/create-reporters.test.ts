import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/synchook-config.js';
import { ConfigError, ExitCode, SynchookError } from '../../../src/errors.js';
import { scrub } from '../../../src/log.js';
import { createReporters, type ReporterOptions } from '../../../src/report/index.js';
import { checkGitHub } from '../../../src/report/github/doctor.js';
import { runPhase } from '../../../src/runner.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../harness/github-standin.js';
import { argoHookObjects, startKubernetesStandIn, type KubernetesStandIn } from '../../harness/kubernetes-standin.js';
import { capturedLogger, clients, postsyncTask, presyncTask, randomSha } from './helpers.js';

const TOKEN = 'ghp_createReportersToken0123456789';
const APP_ID = 424242;
const INSTALLATION_ID = 777;
// GitHub hands out App keys as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY").
const appKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let gh: GitHubStandIn;
let logs: ReturnType<typeof capturedLogger>;

beforeAll(async () => {
  gh = await startGitHubStandIn({ tokens: [TOKEN], apps: [{ appId: APP_ID, key: appKey.publicKey, installationId: INSTALLATION_ID, repositories: ['acme/orders'] }] });
});
afterAll(async () => {
  await gh.close();
});
afterEach(() => {
  expect(gh.problems()).toEqual([]);
  expect(logs.text()).not.toContain(TOKEN);
  expect(logs.text()).not.toContain(appKey.privateKey.split('\n')[1]);
  gh.clearFaults();
});

function configFrom(yaml: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-report-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { loaded: parseConfig(yaml, { file: join(dir, 'synchook.yaml'), env }), dir };
}

function reportersFor(yaml: string, options: Partial<ReporterOptions> & { files?: Record<string, string> } = {}) {
  logs = capturedLogger();
  const env = { ...(options.env as Record<string, string> | undefined) };
  const { loaded } = configFrom(yaml, { 'github-token': `${TOKEN}\n`, ...options.files }, env);
  return { loaded, reporters: createReporters({ loaded, log: logs.log, env, mode: 'presync', ...options }) };
}

const github = (extra = '', url?: string) => `environment: dev\nreport:\n  github:\n    repository: acme/orders\n    apiUrl: ${url ?? gh.url}\n    tokenFile: github-token\n    discover: off\n${extra}`;

async function runWith(loaded: ReturnType<typeof reportersFor>['loaded'], reporters: Awaited<ReturnType<typeof createReporters>>) {
  return runPhase({ mode: 'presync', loaded: { ...loaded, config: { ...loaded.config, topics: {} } }, log: logs.log, clients, tasks: [presyncTask('topics')], reporters });
}

describe('which commit', () => {
  it('uses report.github.sha, including a Flux revision', async () => {
    const sha = randomSha();
    const { loaded, reporters } = reportersFor(github(`    sha: \${REVISION}\n`), { env: { REVISION: `main@sha1:${sha}` } });
    await runWith(loaded, await reporters);
    expect(gh.states(sha)['synchook/dev/presync/topics']).toEqual(['pending', 'success']);
  });

  it('prefers --sha over the config and over GITHUB_SHA', async () => {
    const sha = randomSha();
    const { loaded, reporters } = reportersFor(github(`    sha: ${randomSha()}\n`), { sha, env: { GITHUB_SHA: randomSha() } });
    await runWith(loaded, await reporters);
    expect(Object.keys(gh.states(sha))).toEqual(['synchook/dev/presync/topics']);
  });

  it('falls back to GITHUB_SHA', async () => {
    const sha = randomSha();
    const { loaded, reporters } = reportersFor(github(), { env: { GITHUB_SHA: sha } });
    await runWith(loaded, await reporters);
    expect(Object.keys(gh.states(sha))).toEqual(['synchook/dev/presync/topics']);
  });

  it('refuses a SHA YAML reads as a number, with the same reason', async () => {
    const { reporters } = reportersFor(github('    sha: 1234567\n'));
    await expect(reporters).rejects.toThrow('report.github.sha: "1234567" is not a commit SHA. It has 7 hex digits');
  });

  it('refuses a short SHA with exit 2 and sends nothing to /statuses/', async () => {
    const before = gh.requests.length;
    const { reporters } = reportersFor(github('    sha: 1a2b3c4\n'));
    const error = await reporters.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('report.github.sha: "1a2b3c4" is not a commit SHA. It has 7 hex digits; GitHub needs the full 40-character commit SHA (git rev-parse HEAD).');
    expect(gh.requests.length).toBe(before);
  });

  it('runs without statuses when no commit is known and reporting is not required', async () => {
    const { reporters } = reportersFor(github());
    expect(await reporters).toEqual([]);
    expect(logs.text()).toContain('no commit to report to');
  });

  it('refuses to run when no commit is known and reporting is required', async () => {
    const { reporters } = reportersFor(github('    required: true\n'));
    await expect(reporters).rejects.toThrow(/no commit to report to. Pass --sha/);
  });

  it('reports nothing for `synchook plan`', async () => {
    const { reporters } = reportersFor(github(), { sha: randomSha(), mode: 'plan' });
    expect(await reporters).toEqual([]);
  });
});

describe('ArgoCD discovery', () => {
  let kube: KubernetesStandIn;
  const sha = randomSha();
  beforeAll(async () => {
    kube = await startKubernetesStandIn(argoHookObjects({ sha }));
  });
  afterAll(async () => {
    await kube.close();
  });

  it('finds the commit through the kubeconfig and links each status to the Application', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-kube-'));
    const kubeconfig = kube.writeKubeconfig(dir, 'orders-dev');
    const yaml = `environment: dev\nreport:\n  github:\n    repository: acme/orders\n    apiUrl: ${gh.url}\n    tokenFile: github-token\n    discover: argocd\n    argocd: { kubeconfig: ${kubeconfig}, pod: synchook-presync-x7k2p }\n    targetUrl: "https://argocd.example.com/applications/{argocdAppNamespace}/{argocdApp}?resource=&node=batch%2FJob%2F{namespace}%2F{jobName}%2F0&tab=logs"\n`;
    const { loaded, reporters } = reportersFor(yaml);
    await runWith(loaded, await reporters);
    expect(gh.latest(sha)['synchook/dev/presync/topics']).toMatchObject({
      state: 'success',
      target_url: 'https://argocd.example.com/applications/argocd/orders-dev?resource=&node=batch%2FJob%2Forders-dev%2Fsynchook-presync%2F0&tab=logs',
    });
    expect(logs.text()).toContain('ArgoCD Application argocd/orders-dev (status.operationState.syncResult.revision)');
  });

  it('uses the pod\'s ServiceAccount and $HOSTNAME inside a cluster', async () => {
    const account = kube.writeServiceAccount(mkdtempSync(join(tmpdir(), 'synchook-sa-')), 'orders-dev');
    const yaml = `environment: dev\nreport:\n  github:\n    repository: acme/orders\n    apiUrl: ${gh.url}\n    tokenFile: github-token\n`;
    const before = gh.statuses(sha).length;
    const { loaded, reporters } = reportersFor(yaml, { env: { ...account.env, HOSTNAME: 'synchook-presync-x7k2p' }, serviceAccountDir: account.dir });
    await runWith(loaded, await reporters);
    expect(gh.statuses(sha).length).toBe(before + 2);
  });

  it('goes on without statuses when discovery fails and reporting is not required', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-kube-'));
    const kubeconfig = kube.writeKubeconfig(dir, 'orders-dev');
    const yaml = `environment: dev\nreport:\n  github:\n    repository: acme/orders\n    apiUrl: ${gh.url}\n    tokenFile: github-token\n    discover: argocd\n    argocd: { kubeconfig: ${kubeconfig}, pod: not-a-hook }\n`;
    const { reporters } = reportersFor(yaml);
    expect(await reporters).toEqual([]);
    expect(logs.text()).toContain('pod orders-dev/not-a-hook was not found (404)');
  });
});

describe('authentication', () => {
  it('authenticates as a GitHub App installation found from the repository', async () => {
    const sha = randomSha();
    const yaml = `environment: dev\nreport:\n  github:\n    repository: acme/orders\n    apiUrl: ${gh.url}\n    discover: off\n    app:\n      appId: ${APP_ID}\n      privateKeyFile: app.pem\n`;
    const { loaded, reporters } = reportersFor(yaml, { sha, files: { 'app.pem': appKey.privateKey } });
    await runWith(loaded, await reporters);
    expect(gh.states(sha)['synchook/dev/presync/topics']).toEqual(['pending', 'success']);
    const calls = gh.requests.filter((request) => request.operationId?.startsWith('apps/'));
    expect(calls.map((request) => [request.operationId, request.auth, request.status])).toEqual([
      ['apps/get-repo-installation', 'bearer-jwt', 200],
      ['apps/create-installation-access-token', 'bearer-jwt', 201],
    ]);
    const statusAuth = new Set(gh.requests.filter((request) => request.path.endsWith(sha)).map((request) => request.auth));
    expect([...statusAuth]).toEqual(['bearer-token']);
    // The installation token is a secret like the configured ones: scrubbed wherever it shows up.
    expect(gh.issuedTokens().length).toBeGreaterThan(0);
    for (const token of gh.issuedTokens()) expect(scrub(`token ${token}`)).toBe('token [REDACTED]');
  });

  it('talks to GitHub Enterprise Server under /api/v3', async () => {
    const ghes = await startGitHubStandIn({ spec: 'ghes-3.19', basePath: '/api/v3', tokens: [TOKEN] });
    try {
      const sha = randomSha();
      const { loaded, reporters } = reportersFor(github('', ghes.url), { sha });
      await runWith(loaded, await reporters);
      expect(ghes.states(sha)['synchook/dev/presync/topics']).toEqual(['pending', 'success']);
      expect(ghes.requests.every((request) => request.path.startsWith('/api/v3/'))).toBe(true);
      expect(ghes.problems()).toEqual([]);
    } finally {
      await ghes.close();
    }
  });

  it('with required reporting, refuses to start when the token is rejected (exit 2)', async () => {
    gh.fault({ kind: 401, times: 5 });
    const { reporters } = reportersFor(github('    required: true\n'), { sha: randomSha() });
    const error = await reporters.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SynchookError);
    expect((error as SynchookError).exitCode).toBe(ExitCode.Config);
    expect((error as Error).message).toContain('rejected the credentials (401 Bad credentials)');
  });

  it('with required reporting, refuses to start when GitHub cannot be reached (exit 3)', async () => {
    const port = await closedPort();
    const { reporters } = reportersFor(github('    required: true\n    retries: 0\n', `http://127.0.0.1:${port}`), { sha: randomSha() });
    const error = await reporters.catch((caught: unknown) => caught);
    expect((error as SynchookError).exitCode).toBe(ExitCode.Unreachable);
    expect((error as Error).message).toContain(`GitHub at http://127.0.0.1:${port} could not be reached`);
  });

  it('needs credentials', async () => {
    logs = capturedLogger();
    const { loaded } = configFrom(`report:\n  github:\n    repository: acme/orders\n    discover: off\n`);
    await expect(createReporters({ loaded, log: logs.log, env: {}, sha: randomSha() })).rejects.toThrow(/report.github: no credentials/);
  });
});

describe('deployments and check runs', () => {
  it('makes one deployment per sync: PreSync creates it, PostSync finishes it', async () => {
    const sha = randomSha();
    const yaml = github('    deployments: { environmentUrl: "https://orders.dev.example.com" }\n');
    for (const mode of ['presync', 'postsync'] as const) {
      const { loaded, reporters } = reportersFor(yaml, { sha, mode });
      const tasks = mode === 'presync' ? [presyncTask('topics')] : [postsyncTask('smoke')];
      const sections = mode === 'presync' ? { topics: {} } : { smoke: {} };
      await runPhase({ mode, loaded: { ...loaded, config: { ...loaded.config, ...sections } }, log: logs.log, clients, tasks, reporters: await reporters });
    }
    const mine = gh.deployments.filter((deployment) => deployment.ref === sha);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ environment: 'dev', auto_merge: false, required_contexts: [] });
    expect(mine[0]!.statuses.map((status) => status.state)).toEqual(['in_progress', 'in_progress', 'in_progress', 'success']);
    expect(mine[0]!.statuses.at(-1)).toMatchObject({ environment_url: 'https://orders.dev.example.com' });
  });

  it('marks the deployment failed when PreSync is rejected', async () => {
    const sha = randomSha();
    const { loaded, reporters } = reportersFor(github('    deployments: {}\n'), { sha });
    const rejected = presyncTask('topics', { plan: async () => ({ violations: [{ resource: 'topic a', message: 'no' }] }) });
    await runPhase({ mode: 'presync', loaded: { ...loaded, config: { ...loaded.config, topics: {} } }, log: logs.log, clients, tasks: [rejected], reporters: await reporters });
    const deployment = gh.deployments.find((candidate) => candidate.ref === sha)!;
    expect(deployment.statuses.map((status) => [status.state, status.description])).toEqual([
      ['in_progress', 'PreSync running: plan every task, then apply'],
      ['failure', 'presync: topics did not pass'],
    ]);
  });

  it('publishes the Markdown plan as a check run when authenticated as an App', async () => {
    const sha = randomSha();
    const yaml = `environment: dev\nreport:\n  github:\n    repository: acme/orders\n    apiUrl: ${gh.url}\n    discover: off\n    checkRun: {}\n    app:\n      appId: ${APP_ID}\n      installationId: ${INSTALLATION_ID}\n      privateKeyFile: app.pem\n`;
    const { loaded, reporters } = reportersFor(yaml, { sha, mode: 'plan', files: { 'app.pem': appKey.privateKey } });
    const created = await reporters;
    expect(created).toHaveLength(1);
    await runPhase({ mode: 'plan', loaded: { ...loaded, config: { ...loaded.config, topics: {} } }, log: logs.log, clients, tasks: [presyncTask('topics')], reporters: created });
    const run = gh.checkRuns.find((candidate) => candidate.head_sha === sha)!;
    expect(run).toMatchObject({ name: 'synchook dev plan', status: 'completed', conclusion: 'success', output: { title: '1 change planned' } });
    expect((run.output as { summary: string }).summary).toContain('```diff\n+ topics thing');
    // `synchook plan` sets no commit status.
    expect(gh.statuses(sha)).toEqual([]);
  });

  it('refuses a check run without App authentication', () => {
    expect(() => configFrom(github('    checkRun: {}\n'), { 'github-token': TOKEN })).toThrow(/GitHub accepts check runs only from a GitHub App/);
  });
});

describe('doctor', () => {
  it('says which App and installation it authenticates as, and what the repository allows', async () => {
    const sha = randomSha();
    const yaml = `environment: dev\nreport:\n  github:\n    repository: acme/orders\n    apiUrl: ${gh.url}\n    discover: off\n    sha: ${sha}\n    app:\n      appId: ${APP_ID}\n      privateKeyFile: app.pem\n`;
    logs = capturedLogger();
    const { loaded } = configFrom(yaml, { 'app.pem': appKey.privateKey });
    const check = await checkGitHub(loaded, { log: logs.log, env: {}, signal: new AbortController().signal });
    expect(check.ok).toBe(true);
    expect(check.lines).toEqual([
      `api: ${gh.url}`,
      `authenticated as: GitHub App synchook-test-${APP_ID} (id ${APP_ID}, installation ${INSTALLATION_ID})`,
      'repository: acme/orders (push access: no)',
      `commit: ${sha.slice(0, 7)} from report.github.sha, found in acme/orders`,
      'contexts: synchook/dev/<phase>/<task>; required: no',
    ]);
  });
});

describe('the report section of the config', () => {
  it.each([
    ['    context: synchook/{cluster}\n', /report.github.context: unknown variable \{cluster\}/],
    ['    targetUrl: https://x/{app}\n', /report.github.targetUrl: unknown variable \{app\}/],
    ['    token: abc\n', /give either token or tokenFile, not both/],
    ['    argocd: { timeout: soon }\n', /report.github.argocd.timeout: expected a duration/],
    ['    retries: 50\n', /report.github.retries/],
    ['    colour: red\n', /unknown key report.github.colour/],
  ])('refuses %j', (extra, message) => {
    expect(() => configFrom(github(extra), { 'github-token': TOKEN })).toThrow(message);
  });

  it('refuses a repository that is not owner/name', () => {
    expect(() => configFrom(`report:\n  github:\n    repository: orders\n    token: ${TOKEN}\n`)).toThrow(/report.github.repository: expected owner\/name/);
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
