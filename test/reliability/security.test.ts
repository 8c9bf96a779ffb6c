import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../harness/github-standin.js';
import { harness } from '../harness/index.js';
import { startRegistryProxy, type StartedRegistryProxy } from '../harness/registry-proxy.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/tasks/shared/kafka-enums.js';
import { createScramUser, crashSigns, deleteAclsOf, deleteTopicsWithPrefix, errorMessages, superAdmin, topicsWithPrefix, writeWorkspace } from './support.js';

/**
 * SASL/SCRAM-SHA-512 over TLS end to end (PreSync and PostSync against the SASL_SSL listener,
 * verified against the harness CA), and secrets never in any output: every main invocation runs
 * at trace and debug level with known secret values, and nothing it prints, logs or writes to the
 * step summary or termination log contains them (nor their basic-auth base64 form).
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `sc${randomBytes(3).toString('hex')}`;
const USER = `${RUN}-synchook`;
const SASL_PASSWORD = `sasl-${randomBytes(12).toString('hex')}`;
const REGISTRY_USER = 'synchook';
const REGISTRY_PASSWORD = `reg-${randomBytes(12).toString('hex')}`;
const GITHUB_TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const WRONG_SASL_PASSWORD = `wrong-sasl-${randomBytes(8).toString('hex')}`;
const WRONG_REGISTRY_PASSWORD = `wrong-reg-${randomBytes(8).toString('hex')}`;

const SECRETS: Record<string, string> = {
  'SASL password': SASL_PASSWORD,
  'wrong SASL password': WRONG_SASL_PASSWORD,
  'registry password': REGISTRY_PASSWORD,
  'wrong registry password': WRONG_REGISTRY_PASSWORD,
  'registry basic auth (base64)': Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64'),
  'wrong registry basic auth (base64)': Buffer.from(`${REGISTRY_USER}:${WRONG_REGISTRY_PASSWORD}`).toString('base64'),
  'GitHub token': GITHUB_TOKEN,
};

let admin: Admin;
let proxy: StartedRegistryProxy;
let gh: GitHubStandIn;

beforeAll(async () => {
  const { kafka } = harness();
  admin = await superAdmin(kafka.bootstrap);
  // A principal of its own with a password nobody else uses, allowed what the test touches.
  await createScramUser(kafka.libsDir, kafka.bootstrap, USER, SASL_PASSWORD);
  const allow = (resourceType: number, resourceName: string, resourcePatternType: number) => ({
    principal: `User:${USER}`, host: '*', resourceType, resourceName, resourcePatternType, operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW,
  });
  await admin.createAcls({
    acl: [
      allow(AclResourceTypes.TOPIC, RUN, ResourcePatternTypes.PREFIXED),
      allow(AclResourceTypes.GROUP, RUN, ResourcePatternTypes.PREFIXED),
      allow(AclResourceTypes.CLUSTER, 'kafka-cluster', ResourcePatternTypes.LITERAL),
      // The run lock's topic and group (docs/run-lock.md).
      allow(AclResourceTypes.TOPIC, '__synchook_locks', ResourcePatternTypes.PREFIXED),
      allow(AclResourceTypes.GROUP, 'synchook-lock.', ResourcePatternTypes.PREFIXED),
    ],
  });
  proxy = await startRegistryProxy({ target: harness().registry.url, basicAuth: { username: REGISTRY_USER, password: REGISTRY_PASSWORD } });
  gh = await startGitHubStandIn({ tokens: [GITHUB_TOKEN] });
}, 120_000);

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, RUN);
  await deleteAclsOf(admin, `User:${USER}`);
  await deleteAclsOf(admin, `User:${RUN}-app`);
  await admin.disconnect();
  await proxy?.stop();
  await gh?.close();
});

interface Options {
  /** Content of the SASL password file. */
  passwordFile?: string;
  /** The registry password handed in through REGISTRY_PASSWORD. */
  registryPassword?: string;
  tls?: string;
}

/** A config over SASL_SSL with SCRAM-SHA-512, the registry behind basic auth, and commit statuses. */
function workspace(options: Options = {}): string {
  const record = JSON.stringify({ type: 'record', name: 'Order', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] });
  return writeWorkspace({
    'synchook.yaml': [
      `environment: ${RUN}`,
      'cluster:',
      `  brokers: ["${harness().kafka.saslBootstrap}"]`,
      '  retries: 1',
      '  connectionTimeout: 5s',
      options.tls ?? `  tls: { caFile: ${harness().kafka.caFile} }`,
      `  sasl: { mechanism: scram-sha-512, username: ${USER}, passwordFile: secrets/kafka-password }`,
      'registry:',
      `  url: ${proxy.url}`,
      '  retries: 1',
      `  basicAuth: { username: ${REGISTRY_USER}, password: "\${REGISTRY_PASSWORD}" }`,
      'schemas:',
      '  files: [subjects.yaml]',
      'topics:',
      '  files: [topics.yaml]',
      `  managedPrefix: "${RUN}.app."`,
      '  defaults: { replicationFactor: 1 }',
      'acls:',
      '  files: [acls.yaml]',
      'smoke:',
      `  topic: ${RUN}.probe`,
      '  messages: 20',
      `  groupIdPrefix: ${RUN}-smoke-`,
      '  replicationFactor: 1',
      'health:',
      '  fromTopicsSection: true',
      'report:',
      '  github:',
      '    repository: acme/orders',
      `    apiUrl: ${gh.url}`,
      '    tokenFile: secrets/github-token',
      '    discover: off',
      '',
    ].join('\n'),
    'secrets/kafka-password': `${options.passwordFile ?? SASL_PASSWORD}\n`,
    'secrets/github-token': `${GITHUB_TOKEN}\n`,
    'subjects.yaml': `subjects:\n  - subject: ${RUN}.orders-value\n    file: orders.avsc\n`,
    'orders.avsc': record,
    'topics.yaml': `topics:\n  - name: ${RUN}.app.orders\n    partitions: 3\n    config: { retention.ms: 3600000 }\n`,
    'acls.yaml': `applications:\n  - principal: User:${RUN}-app\n    produces: [${RUN}.app.orders]\n`,
  }, 'security');
}

function cli(dir: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '-c', join(dir, 'synchook.yaml')], {
    killAfterMs: 120_000,
    env: { REGISTRY_PASSWORD, SYNCHOOK_TERMINATION_LOG: join(dir, 'termination-log'), GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md'), ...env },
  });
}

function describeRun(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout.slice(0, 6000)}\n--- stderr\n${result.stderr.slice(0, 6000)}`;
}

/** Every known secret that shows up in the text, by name. */
function leaks(text: string): string[] {
  return Object.entries(SECRETS).filter(([, secret]) => text.includes(secret)).map(([name]) => name);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

describe(`SASL/SCRAM-SHA-512 over TLS end to end (Kafka ${VERSION})`, () => {
  let dir: string;
  beforeAll(() => {
    dir = workspace();
  });

  it('presync creates topics, ACLs and the subject over SASL_SSL, and a rerun plans nothing', async () => {
    const first = await cli(dir, ['presync', '--sha', randomBytes(20).toString('hex')]);
    expect(first.code, describeRun(first)).toBe(0);
    expect([...(await topicsWithPrefix(admin, RUN)).keys()]).toContain(`${RUN}.app.orders`);
    const second = await cli(dir, ['plan', '--format', 'json']);
    expect(second.code, describeRun(second)).toBe(0);
    expect((JSON.parse(second.stdout) as { tasks: Array<{ changes: unknown[] }> }).tasks.flatMap((task) => task.changes)).toEqual([]);
  });

  it('postsync probes and checks health over SASL_SSL', async () => {
    const result = await cli(dir, ['postsync', '--sha', randomBytes(20).toString('hex')]);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toMatch(/smoke/);
    expect(result.stdout).toMatch(/health/);
  });

  it('a wrong SASL password: exit 2 naming the user and the mechanism, not the password', async () => {
    const result = await cli(workspace({ passwordFile: WRONG_SASL_PASSWORD }), ['presync']);
    expect(result.code, describeRun(result)).toBe(2);
    const message = errorMessages(result).join('\n');
    expect(message).toContain(USER);
    expect(message).toMatch(/scram-sha-512/);
    expect(leaks(result.stdout + result.stderr)).toEqual([]);
  });

  it('TLS without the CA that signed the broker certificate: exit 2 naming cluster.tls.caFile', async () => {
    const result = await cli(workspace({ tls: '  tls: { enabled: true }' }), ['presync']);
    expect(result.code, describeRun(result)).toBe(2);
    expect(errorMessages(result).join('\n')).toMatch(/cluster\.tls\.caFile/);
    expect(crashSigns(result)).toEqual([]);
  });
});

describe(`secrets never reach the output (Kafka ${VERSION})`, () => {
  const invocations: Array<{ args: string[]; level: string; config?: Options; expectExit?: number[] }> = [
    { args: ['validate'], level: 'trace' },
    { args: ['doctor'], level: 'trace' },
    { args: ['doctor', '--format', 'json'], level: 'debug' },
    { args: ['plan', '--format', 'text'], level: 'trace' },
    { args: ['plan', '--format', 'json'], level: 'trace' },
    { args: ['plan', '--format', 'markdown'], level: 'debug' },
    { args: ['presync', '--dry-run', '--sha', 'SHA'], level: 'trace' },
    { args: ['presync', '--sha', 'SHA'], level: 'trace' },
    { args: ['presync', '--sha', 'SHA'], level: 'debug' },
    { args: ['postsync', '--sha', 'SHA'], level: 'trace' },
    { args: ['run', 'topics', 'acls', '--sha', 'SHA'], level: 'debug' },
    { args: ['presync', '--sha', 'SHA'], level: 'trace', config: { passwordFile: WRONG_SASL_PASSWORD }, expectExit: [2] },
    { args: ['doctor'], level: 'trace', config: { passwordFile: WRONG_SASL_PASSWORD }, expectExit: [2] },
    { args: ['presync', '--sha', 'SHA'], level: 'trace', config: { registryPassword: WRONG_REGISTRY_PASSWORD }, expectExit: [2] },
    { args: ['doctor'], level: 'debug', config: { registryPassword: WRONG_REGISTRY_PASSWORD }, expectExit: [2] },
  ];

  for (const invocation of invocations) {
    const name = `${invocation.args.filter((arg) => arg !== 'SHA').join(' ')} at --log-level ${invocation.level}${invocation.config ? ` with a wrong ${invocation.config.passwordFile ? 'SASL' : 'registry'} password` : ''}`;
    it(`${name}: no secret in stdout, stderr, step summary or termination log`, async () => {
      const dir = workspace(invocation.config);
      const args = [...invocation.args.map((arg) => (arg === 'SHA' ? randomBytes(20).toString('hex') : arg)), '--log-level', invocation.level];
      const result = await cli(dir, args, invocation.config?.registryPassword ? { REGISTRY_PASSWORD: invocation.config.registryPassword } : {});
      expect(invocation.expectExit ?? [0], describeRun(result)).toContain(result.code);
      expect(crashSigns(result), describeRun(result)).toEqual([]);
      expect(leaks(result.stdout), 'stdout').toEqual([]);
      expect(leaks(result.stderr), 'stderr').toEqual([]);
      expect(leaks(readOrEmpty(join(dir, 'step-summary.md'))), 'step summary').toEqual([]);
      expect(leaks(readOrEmpty(join(dir, 'termination-log'))), 'termination log').toEqual([]);
      // Runs that report to GitHub log each request at debug level: proof the verbose path was taken.
      if (invocation.args.includes('SHA') && !invocation.expectExit) expect(result.stderr, 'debug logging produced output to scan').toMatch(/"level":(10|20)/);
    });
  }

  it('the stand-ins received the secrets, so the scan looked for values that were really in use', () => {
    expect(gh.requests.some((request) => request.auth === 'token')).toBe(true);
    expect(proxy.requests.some((request) => request.outcome === 'forwarded')).toBe(true);
    expect(proxy.requests.some((request) => request.outcome === 'unauthorized')).toBe(true);
  });
});
