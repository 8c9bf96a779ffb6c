import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';

/**
 * Start-up loads only what the run needs: `synchook --version` answers before yargs, and a run
 * without schemas, a serde or GitHub reporting never loads the registry client, ajv, avsc,
 * protobufjs or Octokit (each is a large part of a cold start).
 */

const RECORDER = pathToFileURL(new URL('../harness/record-modules.mjs', import.meta.url).pathname).href;
const HEAVY = ['@kafkajs/confluent-schema-registry', 'ajv', 'avsc', 'protobufjs', '@octokit', '@asyncapi', '@stoplight'];

/** Runs synchook and returns the packages it loaded (names under node_modules). */
async function packagesLoaded(args: string[], cwd: string): Promise<{ run: CliResult; packages: Set<string> }> {
  const file = join(cwd, `modules-${Date.now()}.txt`);
  const run = await runCli(args, { cwd, env: { NODE_OPTIONS: `--import=${RECORDER}`, RECORD_MODULES_FILE: file }, killAfterMs: 120_000 });
  const packages = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (match) packages.add(match[1]!);
  }
  return { run, packages };
}

const heavyIn = (packages: Set<string>) => [...packages].filter((name) => HEAVY.some((heavy) => name === heavy || name.startsWith(`${heavy}/`)));

describe('start-up loads only what the run needs', () => {
  it('synchook --version prints the version without loading yargs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-startup-'));
    const { run, packages } = await packagesLoaded(['--version'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    expect([...packages]).toEqual([]);
  });

  it('a topics-only presync and a smoke-only postsync load no registry client, ajv, avsc, protobufjs or Octokit', async () => {
    const { kafka } = harness();
    const dir = mkdtempSync(join(tmpdir(), 'synchook-startup-'));
    const topic = `startup.${Date.now().toString(36)}`;
    writeFileSync(join(dir, 'topics.yaml'), `topics:\n  - name: ${topic}\n    partitions: 1\n    replicationFactor: 1\n`);
    writeFileSync(join(dir, 'presync.yaml'), `environment: it\ncluster:\n  brokers: ["${kafka.bootstrap}"]\ntopics:\n  files: [topics.yaml]\n`);
    writeFileSync(join(dir, 'postsync.yaml'), `environment: it\ncluster:\n  brokers: ["${kafka.bootstrap}"]\nsmoke:\n  topic: ${topic}.smoke\n  messages: 10\n`);

    const presync = await packagesLoaded(['presync', '--config', 'presync.yaml'], dir);
    expect(presync.run.code, presync.run.stderr).toBe(0);
    expect(presync.packages.has('kafkajs')).toBe(true);
    expect(heavyIn(presync.packages)).toEqual([]);

    const postsync = await packagesLoaded(['postsync', '--config', 'postsync.yaml'], dir);
    // The probe ran to its verdict (exit 1 is a latency threshold missed on a loaded machine): what matters here is what it loaded.
    expect([0, 1], postsync.run.stderr).toContain(postsync.run.code);
    expect(postsync.run.stderr).toContain('smoke probe finished');
    expect(heavyIn(postsync.packages)).toEqual([]);
  });
});
