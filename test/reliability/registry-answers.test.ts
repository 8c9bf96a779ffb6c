import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { startImpostor, type Impostor } from '../harness/registry-impostor.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { useRegistryProxy } from './registry-fixture.js';
import { crashSigns, errorMessages, subjectsWithPrefix, topicsWithPrefix, versionsOf, writeWorkspace } from './support.js';

/**
 * registry.url pointing at something that is not a Confluent-compatible registry (an SSO redirect,
 * an HTML login page, a gateway answering `{}`, Apicurio without its ccompat path, credentials in
 * the URL) and a registry that rate-limits: through the real CLI, against the real broker and
 * registry, checking afterwards that nothing was registered and no topic created.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `ra${randomBytes(3).toString('hex')}`;

const fixture = useRegistryProxy(RUN);
let counter = 0;

interface Case {
  dir: string;
  config: string;
  prefix: string;
  subjects: string[];
}

/** `count` subjects and one topic; the registry is reached at `url`. */
function workspace(url: string, count = 2, registry = '  timeout: 2s\n  retries: 2\n'): Case {
  const prefix = `${RUN}.c${++counter}`;
  const names = Array.from({ length: count }, (_, index) => `S${index}`);
  const files: Record<string, string> = {
    'synchook.yaml': [
      'cluster:',
      `  brokers: ["${harness().kafka.bootstrap}"]`,
      '  retries: 2',
      'registry:',
      `  url: ${url}`,
      registry.trimEnd(),
      'schemas:',
      '  files: [subjects.yaml]',
      '  compatibility: BACKWARD',
      'topics:',
      '  files: [topics.yaml]',
      '  defaults: { replicationFactor: 1 }',
      '',
    ].join('\n'),
    'subjects.yaml': `subjects:\n${names.map((name) => `  - subject: ${prefix}.${name}-value\n    file: ${name}.avsc\n`).join('')}`,
    'topics.yaml': `topics:\n  - name: ${prefix}.orders\n    partitions: 1\n`,
  };
  for (const name of names) files[`${name}.avsc`] = JSON.stringify({ type: 'record', name, namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] });
  const dir = writeWorkspace(files, 'registry-answers');
  return { dir, config: join(dir, 'synchook.yaml'), prefix, subjects: names.map((name) => `${prefix}.${name}-value`) };
}

function cli(command: string, item: Case, extra: string[] = []): Promise<CliResult> {
  return runCli([command, '-c', item.config, ...extra], { killAfterMs: 120_000 });
}

function describeRun(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

async function expectNothingApplied(item: Case): Promise<void> {
  expect(await subjectsWithPrefix(harness().registry.url, item.prefix)).toEqual([]);
  expect([...(await topicsWithPrefix(fixture.admin, item.prefix)).keys()]).toEqual([]);
}

const impostors: Array<{ kind: Impostor; found: RegExp }> = [
  { kind: 'sso-redirect', found: /answers with a redirect \(HTTP 302\) to http:\/\/127\.0\.0\.1:\d+\/sso\/login, not a schema registry/ },
  { kind: 'html-login', found: /answers with an HTML login page \("Sign in - Acme SSO"\), not a schema registry/ },
  { kind: 'empty-json', found: /answers with JSON that is not the registry's answer to this request \(\{\}; .*\), not a schema registry/ },
];

describe(`registry.url that is not a schema registry (Kafka ${VERSION})`, () => {
  for (const { kind, found } of impostors) {
    it(`${kind}: presync, plan and doctor exit 2 naming registry.url and what answers there; nothing applied`, async () => {
      const impostor = await startImpostor(kind);
      try {
        const item = workspace(impostor.url);
        for (const command of ['presync', 'plan', 'doctor']) {
          const result = await cli(command, item);
          expect(result.code, `${command}: ${describeRun(result)}`).toBe(2);
          expect(crashSigns(result), command).toEqual([]);
          const output = `${result.stdout}\n${result.stderr}`;
          expect(output, command).toContain(`registry.url ${impostor.url}`);
          expect(output, command).toMatch(found);
          expect(output, command).not.toContain('s3cr3t-state');
          expect(output, command).not.toMatch(/^ok\s+registry/m);
        }
        // Redirects are not followed: only the registry URL itself was asked.
        expect(impostor.requests.every((request) => request.includes('/apis/ccompat/v7/')), impostor.requests.join('\n')).toBe(true);
        await expectNothingApplied(item);
      } finally {
        await impostor.stop();
      }
    });
  }

  it('Apicurio without /apis/ccompat/v7: plan, presync and doctor exit 2 saying to append it; nothing applied', async () => {
    const item = workspace(harness().registry.baseUrl);
    for (const command of ['plan', 'presync', 'doctor']) {
      const result = await cli(command, item);
      expect(result.code, `${command}: ${describeRun(result)}`).toBe(2);
      const output = `${result.stdout}\n${result.stderr}`;
      expect(output, command).toMatch(/registry\.url http:\/\/127\.0\.0\.1:\d+ does not point at a Confluent-compatible API/);
      expect(output, command).toContain('for Apicurio append /apis/ccompat/v7');
      expect(output, command).not.toContain('RESTEASY');
    }
    await expectNothingApplied(item);
  });

  it('credentials in registry.url: exit 2 pointing at registry.basicAuth, the password never printed; nothing applied', async () => {
    const url = new URL(harness().registry.url);
    url.username = 'synchook';
    url.password = 'pa55-in-url';
    const item = workspace(url.toString());
    for (const command of ['presync', 'doctor']) {
      const result = await cli(command, item);
      expect(result.code, `${command}: ${describeRun(result)}`).toBe(2);
      expect(errorMessages(result).join('\n'), command).toMatch(/registry\.url.*credentials in the URL are not allowed.*registry\.basicAuth/);
      expect(`${result.stdout}\n${result.stderr}`, command).not.toContain('pa55-in-url');
    }
    await expectNothingApplied(item);
  });
});

describe(`registry rate limiting (Kafka ${VERSION})`, () => {
  it('429 with Retry-After in seconds, then an HTTP date: waits as asked, then converges with one version per subject', async () => {
    const item = workspace(fixture.proxy.url);
    const first = `/subjects/${encodeURIComponent(item.subjects[0]!)}/versions/latest`;
    const second = `/subjects/${encodeURIComponent(item.subjects[1]!)}/versions/latest`;
    fixture.proxy.setFaults([
      { fault: { kind: 'status', status: 429, retryAfterSeconds: 2 }, method: 'GET', path: first },
      { fault: { kind: 'status', status: 429, retryAfterDate: () => new Date(Date.now() + 3_000) }, method: 'GET', path: second },
    ]);
    const result = await cli('presync', item);
    expect(result.code, describeRun(result)).toBe(0);
    for (const path of [first, second]) {
      const seen = fixture.proxy.requests.filter((request) => request.path === path);
      expect(seen[0]?.status, path).toBe(429);
      // The retry came no sooner than Retry-After said (an HTTP date has whole seconds: at least 1 s).
      expect(seen[1]!.at - seen[0]!.at, path).toBeGreaterThanOrEqual(path === first ? 1_900 : 1_000);
    }
    for (const subject of item.subjects) expect(await versionsOf(harness().registry.url, subject), subject).toEqual([1]);
    expect([...(await topicsWithPrefix(fixture.admin, item.prefix)).keys()]).toEqual([`${item.prefix}.orders`]);
  });

  it('429 to every request: bounded attempts, exit 3 naming the rate limit; nothing applied', async () => {
    const item = workspace(fixture.proxy.url);
    fixture.proxy.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 }, times: Infinity }]);
    const result = await cli('presync', item);
    expect(result.code, describeRun(result)).toBe(3);
    expect(errorMessages(result)[0]).toMatch(/kept answering 429 Too Many Requests .*after 3 attempts/);
    const perPath = new Map<string, number>();
    for (const request of fixture.proxy.requests) perPath.set(request.path, (perPath.get(request.path) ?? 0) + 1);
    expect(Math.max(...perPath.values())).toBe(3);
    await expectNothingApplied(item);
  });

  it('a Retry-After beyond what synchook waits: exit 3 at once saying how long the registry asked for', async () => {
    const item = workspace(fixture.proxy.url);
    fixture.proxy.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 3_600 }, times: Infinity }]);
    const result = await cli('presync', item);
    expect(result.code, describeRun(result)).toBe(3);
    expect(errorMessages(result)[0]).toMatch(/asks to wait 3600 s/);
    await expectNothingApplied(item);
  });
});

describe(`many subjects in flight (Kafka ${VERSION})`, () => {
  it('30 subjects at concurrency 12: no MaxListenersExceededWarning in the JSON log; every subject registered once', async () => {
    const item = workspace(harness().registry.url, 30);
    const result = await cli('presync', item, ['--log-format', 'json']);
    expect(result.code, describeRun(result)).toBe(0);
    expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/MaxListenersExceeded/);
    expect(await subjectsWithPrefix(harness().registry.url, item.prefix)).toHaveLength(30);
    const rerun = await cli('plan', item, ['--log-format', 'json', '--format', 'json']);
    expect(rerun.code, describeRun(rerun)).toBe(0);
    expect(`${rerun.stdout}\n${rerun.stderr}`).not.toMatch(/MaxListenersExceeded/);
  });
});
