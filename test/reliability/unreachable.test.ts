import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { findFreePort } from '../harness/ports.js';
import { runCli, type CliResult } from '../harness/run-cli.js';
import { crashSigns, errorMessages, writeWorkspace } from './support.js';

/**
 * A broker that is not there, and one that accepts connections but never answers: synchook retries
 * within bounds and stops with exit 3 and a message naming the bootstrap servers and the last
 * error, before its deadline, instead of hanging.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `un${randomBytes(3).toString('hex')}`;
/** The run's deadline given with --timeout; the process must be gone well before the test guard. */
const DEADLINE_S = 20;

let silent: Server;
let silentPort: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // Accepts TCP connections and never writes a byte: a broker stuck in a GC pause, a black-holing proxy.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

function workspace(brokers: string, cluster = '  retries: 2\n  connectionTimeout: 2s\n  requestTimeout: 3s\n'): string {
  return writeWorkspace({
    'synchook.yaml': `cluster:\n  brokers: ["${brokers}"]\n${cluster}topics:\n  files: [topics.yaml]\n`,
    'topics.yaml': `topics:\n  - name: ${RUN}.orders\n    partitions: 1\n`,
  }, 'unreachable');
}

async function run(dir: string, command: string): Promise<CliResult> {
  return runCli([command, '-c', join(dir, 'synchook.yaml'), '--timeout', `${DEADLINE_S}s`], { killAfterMs: (DEADLINE_S + 30) * 1000 });
}

function expectCleanUnreachable(result: CliResult, brokers: string, lastError: RegExp): void {
  const output = `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
  // Killed by the test guard means it hung past its own deadline.
  expect(result.signal, output).toBeNull();
  expect(result.code, output).toBe(3);
  expect(crashSigns(result), output).toEqual([]);
  const messages = errorMessages(result);
  expect(messages.length, output).toBeGreaterThanOrEqual(1);
  expect(messages[0], output).toContain(brokers);
  expect(messages[0], output).toMatch(lastError);
}

describe(`Kafka unreachable when synchook starts (Kafka ${VERSION} harness for contrast)`, () => {
  it('nothing listens on the bootstrap address: presync retries, then exits 3 naming the brokers and the refusal', async () => {
    const brokers = `127.0.0.1:${await findFreePort()}`;
    const result = await run(workspace(brokers), 'presync');
    expectCleanUnreachable(result, brokers, /ECONNREFUSED|Connection error|refused/i);
  });

  it('the broker accepts connections but never answers: presync gives up within its deadline with exit 3', async () => {
    const brokers = `127.0.0.1:${silentPort}`;
    const result = await run(workspace(brokers), 'presync');
    // kafkajs reports a handshake that never completes as "Broker not connected".
    expectCleanUnreachable(result, brokers, /timed? ?out|timeout|deadline|not connected/i);
  });

  it('a deadline shorter than the retries: the run stops at the deadline with exit 3, naming the brokers it was waiting for', async () => {
    const brokers = `127.0.0.1:${silentPort}`;
    const dir = workspace(brokers, '  retries: 20\n  connectionTimeout: 10s\n  requestTimeout: 30s\n');
    const result = await runCli(['presync', '-c', join(dir, 'synchook.yaml'), '--timeout', '8s'], { killAfterMs: 40_000 });
    const output = `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
    expect(result.signal, output).toBeNull();
    expect(result.code, output).toBe(3);
    const message = errorMessages(result).join('\n');
    expect(message, output).toMatch(/deadline of 8(\.0)? ?s passed/);
    // The deadline stopped the retries; the user still needs to know what did not answer.
    expect(message, output).toContain(brokers);
  });

  it('teardown against a broker that never answers stops at --timeout, closing clients included', async () => {
    const brokers = `127.0.0.1:${silentPort}`;
    const dir = writeWorkspace({
      'synchook.yaml': `cluster:\n  brokers: ["${brokers}"]\n  retries: 20\n  connectionTimeout: 10s\n  requestTimeout: 30s\ntopics:\n  files: [topics.yaml]\n  managedPrefix: "${RUN}."\n`,
      'topics.yaml': `topics:\n  - name: ${RUN}.orders\n    partitions: 1\n`,
    }, 'unreachable');
    const started = Date.now();
    const result = await runCli(['teardown', '--yes', '-c', join(dir, 'synchook.yaml'), '--timeout', '8s'], { killAfterMs: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    const output = `exit ${result.code} signal ${result.signal} after ${seconds} s\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
    expect(result.signal, output).toBeNull();
    expect(result.code, output).toBe(3);
    expect(errorMessages(result).join('\n'), output).toMatch(/teardown did not finish within 8(\.0)? ?s/);
    // 8 s, at most 2 s to close the clients, and room for a slow process start; kafkajs alone took 30 s more to disconnect.
    expect(seconds, output).toBeLessThan(22);
  });

  it('postsync with the broker down: exit 3 naming the brokers', async () => {
    const brokers = `127.0.0.1:${await findFreePort()}`;
    const dir = writeWorkspace({ 'synchook.yaml': `cluster:\n  brokers: ["${brokers}"]\n  retries: 1\n  connectionTimeout: 2s\nhealth:\n  topics: [{ name: ${RUN}.orders }]\n` }, 'unreachable');
    const result = await run(dir, 'postsync');
    expectCleanUnreachable(result, brokers, /ECONNREFUSED|Connection error|refused/i);
  });

  it('doctor with the broker down: exit 3 naming the brokers', async () => {
    const brokers = `127.0.0.1:${await findFreePort()}`;
    const result = await run(workspace(brokers), 'doctor');
    expect(result.signal).toBeNull();
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout + result.stderr).toContain(brokers);
    expect(crashSigns(result)).toEqual([]);
  });

  it('one bootstrap server down and one up: synchook works through the live one', async () => {
    const down = `127.0.0.1:${await findFreePort()}`;
    const dir = writeWorkspace({
      'synchook.yaml': `cluster:\n  brokers: ["${down}", "${harness().kafka.bootstrap}"]\n  retries: 3\n  connectionTimeout: 2s\ntopics:\n  files: [topics.yaml]\n`,
      'topics.yaml': `topics:\n  - name: ${RUN}.two-bootstrap\n    partitions: 1\n    replicationFactor: 1\n`,
    }, 'unreachable');
    const result = await runCli(['plan', '-c', join(dir, 'synchook.yaml')], { killAfterMs: 60_000 });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`${RUN}.two-bootstrap`);
  });
});
