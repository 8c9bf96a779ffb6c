import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../harness/github-standin.js';
import { harness } from '../harness/index.js';
import { argoHookObjects, startKubernetesStandIn } from '../harness/kubernetes-standin.js';
import { runCli, type CliResult } from '../harness/run-cli.js';

/**
 * The whole path from a real run to commit statuses: the built CLI as a child process, the
 * harness Kafka, and the GitHub stand-in validating every request against GitHub's OpenAPI
 * description. Each test asserts the sequence of states per context, the exit code, and that the
 * token appears in no output line.
 */

const TOKEN = `ghp_${randomBytes(16).toString('hex')}`;
const ENV_TOKEN = `ghs_${randomBytes(16).toString('hex')}`;
const run = randomBytes(3).toString('hex');
const CONTEXT = 'synchook/it/presync/topics';
let gh: GitHubStandIn;

beforeAll(async () => {
  gh = await startGitHubStandIn({ tokens: [TOKEN, ENV_TOKEN] });
});
afterAll(async () => {
  await gh.close();
});
afterEach(() => {
  expect(gh.problems()).toEqual([]);
  gh.clearFaults();
});

const sha = () => randomBytes(20).toString('hex');

interface Setup {
  brokers?: string;
  cluster?: string;
  github?: string;
  topics?: string;
  /** More top-level sections, as YAML. */
  sections?: string;
}

function configDir(setup: Setup = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-report-it-'));
  const brokers = setup.brokers ?? harness().kafka.bootstrap;
  const prefix = `report-it-${run}-${randomBytes(2).toString('hex')}.`;
  writeFileSync(join(dir, 'github-token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'topics.yaml'), setup.topics ?? `topics:\n  - name: ${prefix}orders\n    partitions: 2\n    replicationFactor: 1\n`);
  writeFileSync(
    join(dir, 'synchook.yaml'),
    [
      'environment: it',
      'cluster:',
      `  brokers: ["${brokers}"]`,
      setup.cluster ?? '  retries: 1\n  connectionTimeout: 2s\n  requestTimeout: 5s',
      'topics:',
      '  files: [topics.yaml]',
      setup.sections ?? '',
      'report:',
      '  github:',
      '    repository: acme/orders',
      `    apiUrl: ${gh.url}`,
      '    tokenFile: github-token',
      '    aggregate: true',
      '    discover: off',
      '    targetUrl: "https://ci.example.com/{repository}/{shortSha}/{phase}/{task}"',
      setup.github ?? '',
      '',
    ].join('\n'),
  );
  return dir;
}

function synchook(dir: string, args: string[], extra: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
  return runCli([...args, '-c', join(dir, 'synchook.yaml')], { ...extra, env: { GITHUB_TOKEN: ENV_TOKEN, SYNCHOOK_TERMINATION_LOG: join(dir, 'termination-log'), ...extra.env } });
}

function expectNoToken(result: CliResult): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect(output).not.toContain(TOKEN);
  expect(output).not.toContain(ENV_TOKEN);
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(`commit statuses from real runs (Kafka ${process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9'})`, () => {
  it('success: pending, then success with the figures, and the same contexts again on a rerun', async () => {
    const dir = configDir();
    writeFileSync(join(dir, 'termination-log'), '');
    const commit = sha();
    const first = await synchook(dir, ['presync', '--sha', commit]);
    expect(first.stderr).not.toMatch(/"level":50/);
    expect(first.code).toBe(0);
    expectNoToken(first);
    expect(gh.states(commit)).toEqual({ [CONTEXT]: ['pending', 'success'], 'synchook/it/presync': ['pending', 'success'] });
    const latest = gh.latest(commit)[CONTEXT]!;
    expect(latest.description!.length).toBeLessThanOrEqual(140);
    expect(latest.target_url).toBe(`https://ci.example.com/acme/orders/${commit.slice(0, 7)}/presync/topics`);
    // The one-paragraph summary, on stdout and in the termination message.
    expect(first.stdout).toMatch(/synchook presync \(it\) succeeded, exit 0 after .*topics passed: .*Reported: 4 GitHub status updates on acme\/orders@/);
    expect(readFileSync(join(dir, 'termination-log'), 'utf8')).toMatch(/^synchook presync \(it\) succeeded, exit 0/);

    const second = await synchook(dir, ['presync', '--sha', commit]);
    expect(second.code).toBe(0);
    expect(gh.states(commit)[CONTEXT]).toEqual(['pending', 'success', 'pending', 'success']);
    expect(gh.latest(commit)[CONTEXT]!.description).toMatch(/no changes|nothing to/i);
  });

  it('presync then postsync on one commit: each phase reports its own contexts', async () => {
    const topic = `report-it-${run}-phases.orders`;
    const dir = configDir({ topics: `topics:\n  - name: ${topic}\n    partitions: 2\n    replicationFactor: 1\n`, sections: `health:\n  topics: [{ name: ${topic}, partitions: 2 }]` });
    const commit = sha();
    expect((await synchook(dir, ['presync', '--sha', commit])).code).toBe(0);
    const post = await synchook(dir, ['postsync', '--sha', commit]);
    expect(post.code).toBe(0);
    expectNoToken(post);
    expect(gh.states(commit)).toEqual({
      [CONTEXT]: ['pending', 'success'],
      'synchook/it/presync': ['pending', 'success'],
      'synchook/it/postsync/health': ['pending', 'success'],
      'synchook/it/postsync': ['pending', 'success'],
    });
  });

  it('failure: a rejected plan sets failure and exits 1', async () => {
    const dir = configDir({ topics: 'topics:\n  - name: "not a valid name!"\n    partitions: 1\n    replicationFactor: 1\n' });
    const commit = sha();
    const result = await synchook(dir, ['presync', '--sha', commit]);
    expect(result.code).toBe(1);
    expectNoToken(result);
    expect(gh.states(commit)).toEqual({ [CONTEXT]: ['pending', 'failure'], 'synchook/it/presync': ['pending', 'failure'] });
    expect(gh.latest(commit)[CONTEXT]!.description).toMatch(/not a valid name!/);
  });

  it('exit 3: an unreachable Kafka sets error', async () => {
    const dir = configDir({ brokers: `127.0.0.1:${await closedPort()}`, cluster: '  retries: 0\n  connectionTimeout: 1s\n  requestTimeout: 2s' });
    const commit = sha();
    const result = await synchook(dir, ['presync', '--sha', commit]);
    expect(result.code).toBe(3);
    expectNoToken(result);
    expect(gh.states(commit)).toEqual({ [CONTEXT]: ['pending', 'error'], 'synchook/it/presync': ['pending', 'error'] });
    expect(gh.latest(commit)[CONTEXT]!.description).toContain('127.0.0.1');
  });

  it('SIGTERM mid-task: every context ends in error, and the process exits 143', async () => {
    // Kafka is unreachable and retried for a long time: the task is still running when the signal comes.
    const dir = configDir({ brokers: `127.0.0.1:${await closedPort()}`, cluster: '  retries: 20\n  connectionTimeout: 10s\n  requestTimeout: 30s' });
    writeFileSync(join(dir, 'termination-log'), '');
    const commit = sha();
    const result = await synchook(dir, ['presync', '--sha', commit], {
      killAfterMs: 60_000,
      onSpawn: (child) => {
        void gh.waitFor(() => Object.keys(gh.states(commit)).length === 2, 30_000).then(() => child.kill('SIGTERM'));
      },
    });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(143);
    expectNoToken(result);
    expect(gh.states(commit)).toEqual({ [CONTEXT]: ['pending', 'error'], 'synchook/it/presync': ['pending', 'error'] });
    for (const status of Object.values(gh.latest(commit))) expect(status.description).toMatch(/terminated by SIGTERM after \d/);
    expect(readFileSync(join(dir, 'termination-log'), 'utf8')).toMatch(/interrupted: terminated by SIGTERM after/);
  });

  it('GitHub faults are retried within bounds and do not change the verdict', async () => {
    const dir = configDir();
    const commit = sha();
    gh.fault({ kind: 500, operationId: 'repos/create-commit-status', times: 2 });
    gh.fault({ kind: 'secondary-rate-limit', operationId: 'repos/create-commit-status', times: 1, retryAfter: 1 });
    const result = await synchook(dir, ['presync', '--sha', commit]);
    expect(result.code).toBe(0);
    expect(gh.states(commit)[CONTEXT]!.at(-1)).toBe('success');
    expect(gh.states(commit)['synchook/it/presync']!.at(-1)).toBe('success');
    expect(gh.requests.filter((request) => request.path.endsWith(commit) && request.fault).length).toBe(3);
  });

  it('a GitHub that refuses the token: a warning when not required, exit 2 before any change when required', async () => {
    const commit = sha();
    gh.fault({ kind: 401, times: 1000 });
    const lenient = await synchook(configDir(), ['presync', '--sha', commit]);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain('rejected the credentials (401 Bad credentials)');
    expectNoToken(lenient);

    const topic = `report-it-${run}-required.orders`;
    const strict = await synchook(configDir({ github: '    required: true', topics: `topics:\n  - name: ${topic}\n    partitions: 1\n    replicationFactor: 1\n` }), ['presync', '--sha', commit]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('rejected the credentials (401 Bad credentials)');
    expectNoToken(strict);
    expect(strict.stdout).not.toContain(topic);
  });

  it('required reporting and an unreachable GitHub: exit 3', async () => {
    const port = await closedPort();
    const dir = configDir({ github: '    required: true\n    retries: 0' });
    const text = readFileSync(join(dir, 'synchook.yaml'), 'utf8').replace(gh.url, `http://127.0.0.1:${port}`);
    writeFileSync(join(dir, 'synchook.yaml'), text);
    const result = await synchook(dir, ['presync', '--sha', sha()]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`GitHub at http://127.0.0.1:${port} could not be reached`);
  });

  it('refuses a commit that is not a full SHA, exit 2, without a request to /statuses/', async () => {
    const before = gh.requests.length;
    const result = await synchook(configDir(), ['presync', '--sha', 'main']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--sha: "main" is not a commit SHA');
    expect(gh.requests.length).toBe(before);
  });

  it('finds the commit of the ArgoCD sync the hook belongs to', async () => {
    const commit = sha();
    const kube = await startKubernetesStandIn(argoHookObjects({ sha: commit }));
    try {
      const dir = configDir({ github: '    discover: argocd\n    argocd: { kubeconfig: kubeconfig.yaml }' });
      // "discover: off" from the base config is replaced by the line above.
      writeFileSync(join(dir, 'synchook.yaml'), readFileSync(join(dir, 'synchook.yaml'), 'utf8').replace('    discover: off\n', ''));
      kube.writeKubeconfig(dir, 'orders-dev');
      const result = await synchook(dir, ['presync'], { env: { POD_NAME: 'synchook-presync-x7k2p' } });
      expect(result.code).toBe(0);
      expect(gh.states(commit)[CONTEXT]).toEqual(['pending', 'success']);
      expect(result.stderr).toContain('ArgoCD Application argocd/orders-dev');
    } finally {
      await kube.close();
    }
  });

  it('doctor reaches GitHub with the configured token and says what it may do', async () => {
    const commit = sha();
    const result = await synchook(configDir(), ['doctor'], { env: { GITHUB_SHA: commit } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok    github');
    expect(result.stdout).toContain('authenticated as: deploy-bot (token, scopes: repo:status)');
    expect(result.stdout).toContain('repository: acme/orders (push access: yes)');
    expect(result.stdout).toContain(`commit: ${commit.slice(0, 7)} from GITHUB_SHA, found in acme/orders`);
    expectNoToken(result);
  });
});
