import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';

function configDir(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-doctor-'));
  writeFileSync(join(dir, 'synchook.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A 127.0.0.1 port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(`synchook doctor against Kafka ${process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9'} and the registry`, () => {
  it('reports the cluster, its brokers and API versions, and the registry, over PLAINTEXT', async () => {
    const { kafka, registry } = harness();
    const dir = configDir(`cluster:\n  brokers: ["${kafka.bootstrap}"]\nregistry:\n  url: ${registry.url}\n`);
    const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`cluster id: ${kafka.clusterId}`);
    expect(result.stdout).toMatch(/brokers \(1\): 1@127\.0\.0\.1:\d+/);
    expect(result.stdout).toMatch(/controller: 1 at 127\.0\.0\.1:\d+|controller: /);
    expect(result.stdout).toMatch(/CreateTopics \d+-\d+→\d+/);
    expect(result.stdout).not.toContain('unsupported:');
    // The cluster-operation APIs both releases serve; ConsumerGroupDescribe (KIP-848) is GA from 4.0.
    for (const api of ['IncrementalAlterConfigs \\(44\\) 0-1', 'AlterPartitionReassignments \\(45\\) 0-\\d', 'ListPartitionReassignments \\(46\\) 0-0', 'DescribeClientQuotas \\(48\\) 0-\\d', 'AlterClientQuotas \\(49\\) 0-\\d', 'DescribeUserScramCredentials \\(50\\) 0-\\d', 'AlterUserScramCredentials \\(51\\) 0-\\d']) {
      expect(result.stdout).toMatch(new RegExp(`cluster operation APIs \\(broker range\\): .*${api}`));
    }
    if ((process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9').startsWith('4')) expect(result.stdout).toMatch(/ConsumerGroupDescribe \(69\) 0-\d/);
    expect(result.stdout).toMatch(/ConsumerGroupDescribe \(69\) (0-\d|not supported \(needs Kafka 4\.0 \(KIP-848\)\))/);
    expect(result.stdout).toContain(`url: ${registry.url}`);
    expect(result.stdout).toMatch(/global compatibility: BACKWARD/);
  });

  it('connects over SASL_SSL with SCRAM-SHA-512 and the harness CA, and keeps the password out of the output', async () => {
    const { kafka } = harness();
    const dir = configDir(
      `cluster:\n  brokers: ["${kafka.saslBootstrap}"]\n  tls:\n    caFile: ${kafka.caFile}\n  sasl:\n    mechanism: scram-sha-512\n    username: ${kafka.admin.username}\n    passwordFile: password.txt\n`,
      { 'password.txt': `${kafka.admin.password}\n` },
    );
    const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml'), '--log-level', 'debug']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('TLS, SASL SCRAM-SHA-512 as admin');
    expect(result.stdout).toContain(`cluster id: ${kafka.clusterId}`);
    expect(`${result.stdout}${result.stderr}`).not.toContain(kafka.admin.password);
  });

  it('connects over SASL_SSL with SCRAM-SHA-256', async () => {
    const { kafka } = harness();
    const dir = configDir(`cluster:\n  brokers: ["${kafka.saslBootstrap}"]\n  tls: { caFile: ${kafka.caFile} }\n  sasl: { mechanism: scram-sha-256, username: ${kafka.admin.username}, password: "${kafka.admin.password}" }\n`);
    const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SASL SCRAM-SHA-256 as admin');
  });

  it('exits 2 naming the user when the SASL password is wrong', async () => {
    const { kafka } = harness();
    const dir = configDir(`cluster:\n  brokers: ["${kafka.saslBootstrap}"]\n  tls: { caFile: ${kafka.caFile} }\n  sasl: { mechanism: scram-sha-512, username: ${kafka.admin.username}, password: not-the-password }\n  retries: 0\n`);
    const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('rejected the SASL credentials of admin');
    expect(result.stdout).not.toContain('not-the-password');
  });

  it('exits 2 with the fix when the broker certificate is not trusted', async () => {
    const { kafka } = harness();
    const dir = configDir(`cluster:\n  brokers: ["${kafka.saslBootstrap}"]\n  tls: { enabled: true }\n  sasl: { mechanism: scram-sha-512, username: admin, password: "${kafka.admin.password}" }\n  retries: 0\n`);
    const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('cluster.tls.caFile');
  });

  it('exits 3 before the deadline, naming the address and the last error, when no broker listens', async () => {
    const port = await closedPort();
    const dir = configDir(`cluster:\n  brokers: ["127.0.0.1:${port}"]\n  connectionTimeout: 1s\n  retries: 2\n`);
    const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml'), '--timeout', '20s'], { killAfterMs: 60_000 });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`127.0.0.1:${port}`);
    expect(result.stdout).toMatch(/ECONNREFUSED|Connection error/);
    expect(result.durationMs).toBeLessThan(20_000);
  });

  it('exits 3 at the --timeout when the broker never answers', async () => {
    // A listener that accepts connections and never speaks: the client waits until the deadline.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const dir = configDir(`cluster:\n  brokers: ["127.0.0.1:${port}"]\n  connectionTimeout: 30s\n  requestTimeout: 60s\n`);
      const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml'), '--timeout', '3s'], { killAfterMs: 60_000 });
      expect(result.code).toBe(3);
      expect(result.stdout).toContain('kafka: no answer within 3.0 s');
    } finally {
      silent.close();
    }
  });

  it('stops promptly on SIGTERM during a slow doctor and exits 143', async () => {
    // The signal goes once doctor is connecting, i.e. once the CLI is running (a loaded machine
    // may take seconds to start node; a signal before that tests node, not synchook).
    let connected: () => void = () => undefined;
    const connecting = new Promise<void>((resolve) => (connected = resolve));
    const silent = net.createServer(() => connected());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const dir = configDir(`cluster:\n  brokers: ["127.0.0.1:${port}"]\n  connectionTimeout: 60s\n  requestTimeout: 60s\n`);
      let signalledAt = 0;
      const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml'), '--timeout', '120s'], {
        killAfterMs: 60_000,
        onSpawn: (child) => {
          void connecting.then(() => {
            signalledAt = Date.now();
            child.kill('SIGTERM');
          });
        },
      });
      expect(result.code).toBe(143);
      expect(result.stderr).toContain('terminated by SIGTERM');
      expect(Date.now() - signalledAt).toBeLessThan(6_000);
    } finally {
      silent.close();
    }
  });

  it('exits 3 naming the URL when the registry cannot be reached', async () => {
    const port = await closedPort();
    const dir = configDir(`registry:\n  url: http://127.0.0.1:${port}\n  retries: 1\n`);
    const result = await runCli(['doctor', '-c', join(dir, 'synchook.yaml')]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`cannot reach the registry at http://127.0.0.1:${port}`);
  });
});
