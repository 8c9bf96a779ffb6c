import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type StartedKafka } from '../harness/kafka.js';
import { startRegistry, type StartedRegistry } from '../harness/registry.js';
import { collect, hookContainer, runHook, runScript, useProjectDocker } from './container.js';

/**
 * The real image, end to end: the Dockerfile built on a local base image (nothing can be pulled
 * here), run as the hook Job runs it (read-only root, user 65532, config mounted read-only, host
 * network) against a real Kafka (SASL_SSL) and a real schema registry: presync, then postsync.
 *
 * Nothing here is skipped: when Docker cannot be set up, the suite fails and says why.
 */

const execFileAsync = promisify(execFile);
const IMAGE = 'synchook:e2e';
const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

let kafka: StartedKafka;
let registry: StartedRegistry;
let work: string;
let configDir: string;
let secretsDir: string;

function docker(args: string[]): Promise<string> {
  const cli = process.platform === 'linux' ? '/usr/bin/docker' : 'docker';
  return execFileAsync(cli, args, { env: process.env, maxBuffer: 16 * 1024 * 1024 }).then((result) => result.stdout.trim());
}

/** A folder the container's user (65532) can read, as a mounted ConfigMap or Secret would be. */
function readableFolder(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  return path;
}

function writeReadable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o644);
}

beforeAll(async () => {
  await useProjectDocker();
  const [built, startedKafka, startedRegistry] = await Promise.all([
    runScript('scripts/build-image.sh', ['--tag', IMAGE]),
    startKafka({ version: process.env.SYNCHOOK_KAFKA_VERSION }),
    startRegistry(),
  ]);
  expect(built).toBe(IMAGE);
  kafka = startedKafka;
  registry = startedRegistry;

  work = mkdtempSync(join(tmpdir(), 'synchook-e2e-'));
  chmodSync(work, 0o755);
  configDir = readableFolder(join(work, 'config'));
  secretsDir = readableFolder(join(work, 'secrets'));
  copyFileSync(kafka.caFile, join(secretsDir, 'kafka-ca.crt'));
  chmodSync(join(secretsDir, 'kafka-ca.crt'), 0o644);
  writeReadable(join(secretsDir, 'kafka-password'), `${kafka.admin.password}\n`);
  writeReadable(
    join(configDir, 'synchook.yaml'),
    [
      'environment: e2e',
      'timeout: 3m',
      'cluster:',
      `  brokers: [${kafka.saslBootstrap}]`,
      '  tls:',
      '    caFile: /var/run/secrets/synchook/kafka-ca.crt',
      '  sasl:',
      '    mechanism: scram-sha-512',
      `    username: ${kafka.admin.username}`,
      '    passwordFile: /var/run/secrets/synchook/kafka-password',
      'registry:',
      `  url: ${registry.url}`,
      'schemas:',
      '  files: [subjects.yaml]',
      '  compatibility: BACKWARD',
      'topics:',
      '  files: [topics.yaml]',
      '  managedPrefix: "e2e."',
      '  defaults: { partitions: 3, replicationFactor: 1 }',
      'acls:',
      '  files: [acls.yaml]',
      'smoke:',
      '  messages: 30',
      '  replicationFactor: 1',
      'health:',
      '  fromTopicsSection: true',
      '',
    ].join('\n'),
  );
  writeReadable(join(configDir, 'topics.yaml'), ['topics:', '  - name: e2e.orders.v1', '    config: { retention.ms: 86400000 }', '  - name: e2e.order-status.v1', '    partitions: 1', '    config: { cleanup.policy: compact }', ''].join('\n'));
  writeReadable(join(configDir, 'acls.yaml'), ['applications:', '  - principal: User:app', '    produces: [e2e.orders.v1]', '    consumes: [e2e.order-status.v1]', '    groups: [e2e-app]', ''].join('\n'));
  writeReadable(join(configDir, 'subjects.yaml'), ['subjects:', '  - topic: e2e.orders.v1', '    value: order.avsc', ''].join('\n'));
  writeReadable(
    join(configDir, 'order.avsc'),
    JSON.stringify({ type: 'record', name: 'Order', namespace: 'e2e', fields: [{ name: 'id', type: 'string' }, { name: 'cents', type: 'long' }] }, null, 2),
  );
}, 1_200_000);

afterAll(async () => {
  await Promise.allSettled([kafka?.stop(), registry?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const mounts = () => ({ [configDir]: '/config', [secretsDir]: '/var/run/secrets/synchook' });

describe('the image', () => {
  it('is small, runs as 65532 with synchook as its entrypoint, and carries the OCI labels', async () => {
    const inspect = JSON.parse(await docker(['image', 'inspect', IMAGE]))[0];
    const size = inspect.Size as number;
    console.log(`image ${IMAGE}: ${(size / 1_000_000).toFixed(1)} MB (${size} bytes)`);
    expect(size).toBeLessThan(200_000_000);
    expect(inspect.Config.User).toBe('65532:65532');
    expect(inspect.Config.Entrypoint).toEqual(['synchook']);
    const labels = inspect.Config.Labels as Record<string, string>;
    const version = (await import('../../package.json', { with: { type: 'json' } })).default.version;
    expect(labels['org.opencontainers.image.version']).toBe(version);
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}(-dirty)?$|^unknown$/);
    expect(labels['org.opencontainers.image.source']).toMatch(/\S/);
  });

  it('runs presync then postsync against Kafka and the registry, read-only, as user 65532', async () => {
    const presync = await runHook(IMAGE, ['presync', '--config', '/config/synchook.yaml'], { mounts: mounts() });
    expect(presync.output).toContain('e2e.orders.v1');
    expect(presync.exitCode, presync.output).toBe(0);

    const admin = new kafkajs.Kafka({ brokers: [kafka.bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: ['e2e.orders.v1', 'e2e.order-status.v1'] });
      expect(Object.fromEntries(metadata.topics.map((topic) => [topic.name, topic.partitions.length]))).toEqual({ 'e2e.orders.v1': 3, 'e2e.order-status.v1': 1 });
      const acls = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal: 'User:app',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const granted = acls.resources.flatMap((resource) => resource.acls.map((acl) => `${resource.resourceName}:${acl.operation}`));
      expect(granted).toEqual(expect.arrayContaining([`e2e.orders.v1:${AclOperationTypes.WRITE}`, `e2e.order-status.v1:${AclOperationTypes.READ}`, `e2e-app:${AclOperationTypes.READ}`]));
    } finally {
      await admin.disconnect();
    }
    const subjects = (await (await fetch(`${registry.url}/subjects`)).json()) as string[];
    expect(subjects).toContain('e2e.orders.v1-value');

    const postsync = await runHook(IMAGE, ['postsync', '--config', '/config/synchook.yaml'], { mounts: mounts() });
    expect(postsync.output).toMatch(/smoke/);
    expect(postsync.exitCode, postsync.output).toBe(0);

    // A second presync over the same state changes nothing and still succeeds.
    const again = await runHook(IMAGE, ['presync', '--config', '/config/synchook.yaml'], { mounts: mounts() });
    expect(again.exitCode, again.output).toBe(0);
  });

  it('exits with a clear configuration error (2) when the config is missing', async () => {
    const result = await runHook(IMAGE, ['presync', '--config', '/config/absent.yaml'], { mounts: mounts() });
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain('config file not found');
  });

  it('stops on SIGTERM as PID 1 (docker stop, a Job deleted) with exit code 143', async () => {
    // A broker address that accepts connections and never answers keeps synchook waiting.
    const sockets = new Set<Socket>();
    let connected!: () => void;
    const firstConnection = new Promise<void>((resolve) => (connected = resolve));
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const dir = readableFolder(join(work, 'blackhole'));
    writeReadable(join(dir, 'synchook.yaml'), ['cluster:', `  brokers: [127.0.0.1:${port}]`, '  connectionTimeout: 120s', '  requestTimeout: 120s', ''].join('\n'));
    const container = await hookContainer(IMAGE, ['doctor', '--timeout', '5m', '--config', '/config/synchook.yaml'], { mounts: { [dir]: '/config' } }).start();
    try {
      await firstConnection;
      // With handlers, node exits 143 at once; without them PID 1 ignores SIGTERM and docker
      // kills it after the grace period (exit 137).
      await container.stop({ remove: false, timeout: 30_000 });
      const info = JSON.parse(await docker(['inspect', container.getId()]))[0];
      const output = await collect(await container.logs());
      expect(info.State.ExitCode, output).toBe(143);
      expect(output).toContain('terminated by SIGTERM');
    } finally {
      await docker(['rm', '-f', container.getId()]).catch(() => undefined);
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it('takes a pinned terraform, checksum verified, when built with one', async () => {
    const terraform = await runScript('scripts/install-terraform.sh');
    const tag = `${IMAGE}-terraform`;
    expect(await runScript('scripts/build-image.sh', ['--tag', tag, '--terraform', terraform, '--terraform-version', '1.5.7'])).toBe(tag);
    const output = await docker(['run', '--rm', '--network', 'host', '--read-only', '--user', '65532', '--entrypoint', 'terraform', tag, 'version']);
    expect(output).toContain('Terraform v1.5.7');
    const size = JSON.parse(await docker(['image', 'inspect', tag]))[0].Size as number;
    console.log(`image ${tag}: ${(size / 1_000_000).toFixed(1)} MB (${size} bytes)`);
    await docker(['image', 'rm', tag]);
  });
});
