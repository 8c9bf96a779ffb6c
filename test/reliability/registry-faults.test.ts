import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { useRegistryProxy } from './registry-fixture.js';
import { crashSigns, errorMessages, subjectsWithPrefix, topicsWithPrefix, versionsOf, writeWorkspace } from './support.js';

/**
 * The registry answering 5xx, hanging, resetting connections or losing an answer, through a
 * fault-injecting proxy in front of the real registry: bounded retries, then a clear failure
 * (exit 3); nothing applied when the plan could not be made; no schema ever registered twice.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `rf${randomBytes(3).toString('hex')}`;

const fixture = useRegistryProxy(RUN);
let counter = 0;

interface Case {
  dir: string;
  prefix: string;
  subjects: string[];
}

/** Two subjects and one topic; the registry is reached through `url` with the given timeout and retries. */
function workspace(url: string, registry = '  timeout: 2s\n  retries: 2\n'): Case {
  const prefix = `${RUN}.c${++counter}`;
  const record = (name: string) => JSON.stringify({ type: 'record', name, namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] });
  const dir = writeWorkspace({
    'synchook.yaml': [
      'cluster:',
      `  brokers: ["${harness().kafka.bootstrap}"]`,
      '  retries: 2',
      'registry:',
      `  url: ${url}`,
      registry.trimEnd(),
      'schemas:',
      '  files: [subjects.yaml]',
      'topics:',
      '  files: [topics.yaml]',
      '  defaults: { replicationFactor: 1 }',
      '',
    ].join('\n'),
    'subjects.yaml': `subjects:\n  - subject: ${prefix}.orders-value\n    file: orders.avsc\n  - subject: ${prefix}.payments-value\n    file: payments.avsc\n`,
    'orders.avsc': record('Order'),
    'payments.avsc': record('Payment'),
    'topics.yaml': `topics:\n  - name: ${prefix}.orders\n    partitions: 1\n`,
  }, 'registry-faults');
  return { dir, prefix, subjects: [`${prefix}.orders-value`, `${prefix}.payments-value`] };
}

function presync(item: Case, extra: string[] = []): Promise<CliResult> {
  return runCli(['presync', '-c', join(item.dir, 'synchook.yaml'), ...extra], { killAfterMs: 90_000 });
}

function describeRun(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

async function expectNothingApplied(item: Case): Promise<void> {
  expect(await subjectsWithPrefix(harness().registry.url, item.prefix)).toEqual([]);
  expect([...(await topicsWithPrefix(fixture.admin, item.prefix)).keys()]).toEqual([]);
}

/** Every subject exactly once, at version 1, and the topic there: the declared state. */
async function expectConverged(item: Case): Promise<void> {
  for (const subject of item.subjects) expect(await versionsOf(harness().registry.url, subject), subject).toEqual([1]);
  expect([...(await topicsWithPrefix(fixture.admin, item.prefix)).keys()]).toEqual([`${item.prefix}.orders`]);
}

/** An HTTP proxy that forwards a matching request to the registry and then drops the connection instead of answering. */
async function startAnswerLosingProxy(target: string, lose: (method: string, path: string) => boolean): Promise<{ url: string; lost: string[]; stop(): Promise<void> }> {
  const base = new URL(target);
  const lost: string[] = [];
  let armed = true;
  const server: Server = createServer((req, res) => {
    const dropAnswer = armed && lose(req.method ?? 'GET', (req.url ?? '').replace(base.pathname, '').split('?')[0]!);
    const upstream = httpRequest({ hostname: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...req.headers, host: base.host } }, (answer) => {
      if (dropAnswer) {
        // The registry has done the work; the client never learns it.
        armed = false;
        lost.push(`${req.method} ${req.url}`);
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${base.pathname}`,
    lost,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe(`schema registry faults (Kafka ${VERSION})`, () => {
  it('every request answered 503: bounded retries, exit 3 naming the registry, nothing applied', async () => {
    const item = workspace(fixture.proxy.url);
    fixture.proxy.setFaults([{ fault: { kind: 'status', status: 503 }, times: Infinity }]);
    const result = await presync(item);
    expect(result.code, describeRun(result)).toBe(3);
    expect(crashSigns(result)).toEqual([]);
    const message = errorMessages(result)[0]!;
    expect(message).toContain(fixture.proxy.url);
    expect(message).toMatch(/503/);
    expect(message).toMatch(/after 3 attempts/);
    // Bounded: three attempts per request, a handful of requests per subject, never an endless loop.
    expect(fixture.proxy.requests.length).toBeGreaterThanOrEqual(3);
    expect(fixture.proxy.requests.length).toBeLessThanOrEqual(3 * 2 * 6);
    await expectNothingApplied(item);
  });

  it('every request hangs: each attempt times out, exit 3 within the deadline, nothing applied', async () => {
    const item = workspace(fixture.proxy.url, '  timeout: 1s\n  retries: 1\n');
    fixture.proxy.setFaults([{ fault: { kind: 'hang' }, times: Infinity }]);
    const result = await presync(item, ['--timeout', '30s']);
    expect(result.signal, describeRun(result)).toBeNull();
    expect(result.code, describeRun(result)).toBe(3);
    expect(errorMessages(result)[0]).toMatch(/no answer within|timed? ?out|deadline/i);
    expect(errorMessages(result)[0]).toContain(fixture.proxy.url);
    await expectNothingApplied(item);
  });

  it('connections reset: exit 3 naming the registry and the reset, nothing applied', async () => {
    const item = workspace(fixture.proxy.url);
    fixture.proxy.setFaults([{ fault: { kind: 'reset' }, times: Infinity }]);
    const result = await presync(item);
    expect(result.code, describeRun(result)).toBe(3);
    expect(errorMessages(result)[0]).toMatch(/ECONNRESET|socket hang up|reset/i);
    await expectNothingApplied(item);
  });

  it('a few 500s on registration are retried: the run succeeds and every subject has exactly one version', async () => {
    const item = workspace(fixture.proxy.url);
    fixture.proxy.setFaults([{ fault: { kind: 'status', status: 500 }, method: 'POST', path: /\/versions$/, times: 2 }]);
    const result = await presync(item);
    expect(result.code, describeRun(result)).toBe(0);
    expect(fixture.proxy.requests.filter((request) => request.outcome === 'status').length).toBe(2);
    await expectConverged(item);
  });

  it('the answer to a registration is lost after the registry stored it: the retry registers nothing twice', async () => {
    let lostPath = '';
    const losing = await startAnswerLosingProxy(harness().registry.url, (method, path) => method === 'POST' && path === lostPath);
    try {
      const item = workspace(losing.url);
      lostPath = `/subjects/${encodeURIComponent(item.subjects[0]!)}/versions`;
      const result = await presync(item);
      expect(losing.lost, 'the fault fired').toHaveLength(1);
      expect(result.code, describeRun(result)).toBe(0);
      await expectConverged(item);
    } finally {
      await losing.stop();
    }
  });

  it('the registry fails during apply: exit 3 saying what was applied; a rerun converges with no duplicate', async () => {
    const item = workspace(fixture.proxy.url);
    fixture.proxy.setFaults([{ fault: { kind: 'status', status: 503 }, method: 'POST', path: `/subjects/${encodeURIComponent(item.subjects[1]!)}/versions`, times: Infinity }]);
    const failed = await presync(item);
    expect(failed.code, describeRun(failed)).toBe(3);
    expect(crashSigns(failed)).toEqual([]);
    const message = errorMessages(failed).find((text) => text.includes(item.subjects[1]!)) ?? '';
    expect(message, describeRun(failed)).toMatch(/Applied before the failure: .*orders-value registered/);
    // The topics task comes after schemas: it is not applied once schemas failed.
    expect([...(await topicsWithPrefix(fixture.admin, item.prefix)).keys()]).toEqual([]);

    fixture.proxy.setFaults([]);
    const rerun = await presync(item);
    expect(rerun.code, describeRun(rerun)).toBe(0);
    await expectConverged(item);
    const third = await runCli(['plan', '-c', join(item.dir, 'synchook.yaml'), '--format', 'json']);
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout).tasks.flatMap((task: { changes: unknown[] }) => task.changes)).toEqual([]);
  });
});
