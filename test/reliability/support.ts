/**
 * What the reliability tests share: config folders on disk, a super-user admin client for the
 * harness broker, snapshots of topics and subjects, and reading the one error message a failed
 * CLI run prints.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import { ConfigResourceTypes, ConfigSource, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/tasks/shared/kafka-enums.js';
import { harness } from '../harness/index.js';
import { TOOL_MAIN_CLASSES } from '../harness/kafka.js';
import type { CliResult } from '../harness/run-cli.js';

/** A symbolic link in a workspace, to a path relative to the link's folder (or absolute). */
export interface Symlink {
  symlink: string;
}

export type Files = Record<string, string | Buffer | Symlink>;

/** A fresh folder holding the files (paths relative to it, folders made as needed). */
export function writeWorkspace(files: Files, label = 'reliability'): string {
  const dir = mkdtempSync(join(tmpdir(), `synchook-${label}-`));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Files): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    if (typeof content === 'object' && 'symlink' in content) symlinkSync(content.symlink, join(dir, path));
    else writeFileSync(join(dir, path), content);
  }
}

/** An admin client on the PLAINTEXT listener, whose principal is a super user. */
export async function superAdmin(bootstrap: string): Promise<Admin> {
  const admin = new Kafka({ clientId: 'reliability-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8 } }).admin();
  await admin.connect();
  return admin;
}

export interface TopicSnapshot {
  partitions: number;
  /** The topic's own (dynamic) config, as Kafka holds it. */
  own: Record<string, string>;
}

/** Partitions and own config of every topic whose name starts with the prefix. */
export async function topicsWithPrefix(admin: Admin, prefix: string): Promise<Map<string, TopicSnapshot>> {
  const { topics } = await admin.fetchTopicMetadata();
  const ours = topics.filter((topic) => topic.name.startsWith(prefix));
  const out = new Map<string, TopicSnapshot>();
  for (let start = 0; start < ours.length; start += 200) {
    const batch = ours.slice(start, start + 200);
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: batch.map((topic) => ({ type: ConfigResourceTypes.TOPIC, name: topic.name })) });
    for (const resource of resources) {
      const own = Object.fromEntries(
        resource.configEntries.filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG).map((entry) => [entry.configName, entry.configValue ?? '']),
      );
      out.set(resource.resourceName, { partitions: batch.find((topic) => topic.name === resource.resourceName)!.partitions.length, own });
    }
  }
  return out;
}

export async function deleteTopicsWithPrefix(admin: Admin, prefix: string, timeoutMs = 120_000): Promise<void> {
  const ours = async () => (await admin.fetchTopicMetadata()).topics.map((topic) => topic.name).filter((name) => name.startsWith(prefix));
  const names = await ours();
  for (let start = 0; start < names.length; start += 500) await admin.deleteTopics({ topics: names.slice(start, start + 500) }).catch(() => undefined);
  // The broker deletes in the background: the next test file must not meet a broker still busy
  // with thousands of deletions, so wait until they are gone (bounded; leftovers are harmless).
  const until = Date.now() + timeoutMs;
  while (names.length > 0 && Date.now() < until) {
    const left = await ours().catch(() => names);
    if (left.length === 0) return;
    await sleep(500);
  }
}

/** The ACLs of a principal, as "OPERATION RESOURCE_TYPE name". */
export async function aclsOf(admin: Admin, principal: string): Promise<string[]> {
  const response = await admin.describeAcls({
    principal,
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return response.resources.flatMap((resource) => resource.acls.map((acl) => `${acl.operation} ${resource.resourceType} ${resource.resourceName}`));
}

export async function deleteAclsOf(admin: Admin, principal: string): Promise<void> {
  await admin
    .deleteAcls({
      filters: [{ principal, resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }],
    })
    .catch(() => undefined);
}

/** Subjects of the registry (Confluent API base URL) that start with the prefix. */
export async function subjectsWithPrefix(registryUrl: string, prefix: string): Promise<string[]> {
  const response = await fetch(`${registryUrl}/subjects`);
  if (!response.ok) throw new Error(`GET ${registryUrl}/subjects answered ${response.status}`);
  const subjects = (await response.json()) as string[];
  return subjects.filter((subject) => subject.startsWith(prefix)).sort();
}

/** The versions of a subject, [] when it does not exist. */
export async function versionsOf(registryUrl: string, subject: string): Promise<number[]> {
  const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`);
  if (response.status === 404) return [];
  return (await response.json()) as number[];
}

/**
 * The error messages a failed run printed, without repetitions: `synchook: <message>` on stderr
 * (a config that cannot be loaded), the task line `<task> (presync): <message>` of a task that
 * failed, and each violation line `! <message>`.
 */
export function errorMessages(result: Pick<CliResult, 'stdout' | 'stderr'>): string[] {
  const found = new Set<string>();
  for (const match of result.stderr.matchAll(/^synchook: (.+)$/gm)) found.add(match[1]!);
  for (const match of result.stdout.matchAll(/^\S+ \((?:presync|postsync)\): (.+)$/gm)) {
    const text = match[1]!;
    if (!/^(not applied|not run|rejected:|plan:|no changes)/.test(text)) found.add(text);
  }
  for (const match of result.stdout.matchAll(/^\s+! (.+)$/gm)) found.add(match[1]!);
  return [...found];
}

/** Output that shows synchook crashed rather than stopped: a stack trace or an internal error. */
export function crashSigns(result: Pick<CliResult, 'stdout' | 'stderr'>): string[] {
  const all = `${result.stdout}\n${result.stderr}`;
  const signs: string[] = [];
  if (/^\s+at .+(:\d+:\d+\)?|\(native\))$/m.test(all)) signs.push('a stack trace');
  if (/unexpected error|TypeError|ReferenceError|RangeError|\[object Object\]|Cannot read properties/i.test(all)) signs.push('an internal error');
  if (/\bundefined\b/.test(all.replace(/undefined type name/g, ''))) signs.push('"undefined" in a message');
  return signs;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a Kafka command-line tool from the harness's jars (the tools may have a classpath of their own). */
export async function kafkaTool(libsDir: string, tool: string, args: string[]): Promise<string> {
  const toolsLibs = existsSync(join(libsDir, '..', 'tools-libs')) ? join(libsDir, '..', 'tools-libs') : libsDir;
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  let lastError: unknown;
  for (const mainClass of TOOL_MAIN_CLASSES[tool] ?? [tool]) {
    try {
      const { stdout } = await promisify(execFile)(java, ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', `${toolsLibs}/*`, mainClass, ...args], { timeout: 60_000 });
      return stdout;
    } catch (error) {
      lastError = error;
      if (!/Could not find or load main class|ClassNotFoundException/.test(String((error as { stderr?: string }).stderr))) break;
    }
  }
  throw lastError;
}

/** Creates (or updates) a SCRAM-SHA-512 user (the broker takes one mechanism per user and request). */
export async function createScramUser(libsDir: string, bootstrap: string, username: string, password: string): Promise<void> {
  await kafkaTool(libsDir, 'kafka-configs', [
    '--bootstrap-server', bootstrap, '--alter', '--entity-type', 'users', '--entity-name', username,
    '--add-config', `SCRAM-SHA-512=[iterations=4096,password=${password}]`,
  ]);
  await waitUntilAuthenticates(username, password);
}

/**
 * The controller commits a new SCRAM credential before the broker has it from the metadata log; a
 * broker busy with earlier work can take seconds. Log in over SASL_SSL until it works.
 */
async function waitUntilAuthenticates(username: string, password: string, timeoutMs = 60_000): Promise<void> {
  const { kafka } = harness();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const admin = new Kafka({
      brokers: [kafka.saslBootstrap],
      ssl: { ca: [readFileSync(kafka.caFile, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username, password },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      await admin.connect();
      await admin.disconnect();
      return;
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      if (Date.now() > until) throw new Error(`SCRAM user ${username} cannot log in after ${timeoutMs} ms: ${(error as Error).message}`);
      await sleep(250);
    }
  }
}

/**
 * Creates topics and waits until every partition has a leader. kafkajs's own waitForLeaders gives
 * up on UNKNOWN_TOPIC_OR_PARTITION, which a busy broker answers for a moment after the creation.
 */
export async function createTopicsAndWait(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((topic) => topic.topic);
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      if (metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > until) throw error;
    }
    if (Date.now() > until) throw new Error(`topics ${names.join(', ')} have no leader after ${timeoutMs} ms`);
    await sleep(100);
  }
}
