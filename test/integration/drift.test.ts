import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useGitHubStandIn } from '../harness/github-standin.js';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';

/**
 * `synchook plan --detailed-exitcode --drift-status`, as the drift CronJob runs it: the built CLI
 * against the harness Kafka, the verdict as one commit status on the GitHub stand-in (which
 * validates every request against GitHub's OpenAPI description).
 */

const TOKEN = `ghp_${randomBytes(16).toString('hex')}`;
const CONTEXT = 'synchook/drift-it/drift';
const run = randomBytes(3).toString('hex');
const standIn = useGitHubStandIn({ tokens: [TOKEN] });

const sha = () => randomBytes(20).toString('hex');

function configDir(topics: string, github = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-drift-it-'));
  writeFileSync(join(dir, 'github-token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'topics.yaml'), topics);
  writeFileSync(
    join(dir, 'synchook.yaml'),
    [
      'environment: drift-it',
      'cluster:',
      `  brokers: ["${harness().kafka.bootstrap}"]`,
      '  retries: 1',
      'topics:',
      '  files: [topics.yaml]',
      'report:',
      '  github:',
      '    repository: acme/orders',
      `    apiUrl: ${standIn().url}`,
      '    tokenFile: github-token',
      '    discover: off',
      '    sha: ${REVISION}',
      '    retries: 0',
      github,
      '',
    ].join('\n'),
  );
  return dir;
}

function synchook(dir: string, args: string[], revision: string): Promise<CliResult> {
  return runCli([...args, '-c', join(dir, 'synchook.yaml')], { env: { REVISION: revision, GITHUB_TOKEN: undefined } });
}

const DRIFT_CHECK = ['plan', '--detailed-exitcode', '--drift-status'];

describe(`drift checks (Kafka ${process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9'})`, () => {
  it('exits 11 with a failure status while the cluster differs, 0 with success once it matches', async () => {
    const topic = `drift-it-${run}.orders`;
    const dir = configDir(`topics:\n  - name: ${topic}\n    partitions: 2\n    replicationFactor: 1\n    config:\n      retention.ms: 3600000\n`);
    const deployed = sha();

    // Without the flag a plan with changes still exits 0 (the pull-request check).
    expect((await synchook(dir, ['plan'], deployed)).code).toBe(0);

    const drifted = await synchook(dir, DRIFT_CHECK, deployed);
    expect(drifted.stderr).not.toMatch(/"level":50/);
    expect(drifted.code).toBe(11);
    expect(drifted.stdout).toMatch(new RegExp(`\\+ topic ${topic.replace(/\./g, "\\.")}`));
    expect(standIn().states(deployed)).toEqual({ [CONTEXT]: ['pending', 'failure'] });
    expect(standIn().latest(deployed)[CONTEXT]!.description).toBe('drift: 1 change to apply (topics 1)');

    expect((await synchook(dir, ['presync'], sha())).code).toBe(0);
    const inSync = await synchook(dir, DRIFT_CHECK, deployed);
    expect(inSync.code).toBe(0);
    expect(standIn().states(deployed)[CONTEXT]).toEqual(['pending', 'failure', 'pending', 'success']);
    expect(standIn().latest(deployed)[CONTEXT]!.description).toBe('no drift: the cluster matches this commit');
  });

  it('a desired state that a check rejects exits 1, not 11, with a failure status naming the violation', async () => {
    const dir = configDir('topics:\n  - name: "not a valid name!"\n    partitions: 1\n    replicationFactor: 1\n');
    const deployed = sha();
    const result = await synchook(dir, DRIFT_CHECK, deployed);
    expect(result.code).toBe(1);
    expect(standIn().states(deployed)).toEqual({ [CONTEXT]: ['pending', 'failure'] });
    expect(standIn().latest(deployed)[CONTEXT]!.description).toMatch(/^1 violation: topic not a valid name!: /);
  });

  it('GitHub failing does not change the answer; with report.github.required it exits 3', async () => {
    const dir = configDir(`topics:\n  - name: drift-it-${run}.outage\n    partitions: 1\n    replicationFactor: 1\n`);
    standIn().fault({ kind: 500, operationId: 'repos/create-commit-status', times: 1000 });
    const lenient = await synchook(dir, DRIFT_CHECK, sha());
    expect(lenient.code).toBe(11);
    expect(lenient.stderr).toMatch(/reporting to GitHub failed; the run goes on/);

    const strict = await synchook(configDir(`topics:\n  - name: drift-it-${run}.outage\n    partitions: 1\n    replicationFactor: 1\n`, '    required: true'), DRIFT_CHECK, sha());
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/GitHub/);
  });

  it('--drift-status without report.github is a configuration error naming what to add', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-drift-it-'));
    writeFileSync(join(dir, 'topics.yaml'), 'topics: []\n');
    writeFileSync(join(dir, 'synchook.yaml'), `cluster:\n  brokers: ["${harness().kafka.bootstrap}"]\ntopics:\n  files: [topics.yaml]\n`);
    const result = await synchook(dir, DRIFT_CHECK, sha());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--drift-status reports to GitHub: add report.github');
  });
});
