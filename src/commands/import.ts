import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createClients } from '../clients/index.js';
import { kafkaError } from '../clients/kafka.js';
import { loadConfig } from '../synchook-config.js';
import { formatDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
import { readSubjects, readTopicsAndAcls, type Inventory } from '../import/read.js';
import { aclsFile, strimziTopicsFile, subjectFiles, synchookTopicsFile, type OutputFile, type TopicFileFormat } from '../import/write.js';
import { boundedClose, withDeadline } from '../runner.js';
import type { CommandContext } from './context.js';

export interface ImportOptions {
  prefixes: string[];
  /** --out: the folder to write into. */
  outDir: string;
  principals: string[];
  /** Subject name prefixes; the topic prefixes when not given. */
  subjectPrefixes?: string[];
  format: TopicFileFormat;
  force: boolean;
  /** strimzi.io/cluster label of the KafkaTopic resources. */
  strimziCluster?: string;
}

/**
 * `synchook import`: reads the topics under the prefixes, the ACLs of the principals and the
 * subjects under the subject prefixes, and writes them as synchook's files, so that a config
 * naming those files plans no changes. Everything is read before anything is written, and no
 * existing file is overwritten without --force.
 */
export async function runImport(ctx: CommandContext & ImportOptions): Promise<number> {
  const loaded = loadConfig(ctx.configPath, ctx.env);
  const { config, dir } = loaded;
  if (ctx.prefixes.some((prefix) => prefix.length === 0)) throw new ConfigError('--prefix must not be empty: name the topic prefix to import, e.g. --prefix orders.');
  if (!config.cluster) throw new ConfigError(`${ctx.configPath}: synchook import reads the topics from Kafka, but the config has no cluster section. Add cluster.brokers.`);
  const outDir = resolve(ctx.outDir);
  const subjectPrefixes = ctx.subjectPrefixes && ctx.subjectPrefixes.length > 0 ? ctx.subjectPrefixes : ctx.prefixes;
  const timeoutMs = ctx.timeoutMs ?? config.timeout;
  const clients = createClients(config, dir, ctx.log);
  let inventory: Inventory;
  try {
    inventory = await withDeadline(ctx.signal, timeoutMs, `import did not finish within ${formatDuration(timeoutMs)}; nothing was written`, async (signal) => {
      const admin = await clients.admin().catch((error: unknown) => {
        throw kafkaError(error, config.cluster!);
      });
      const read = { topicPrefixes: ctx.prefixes, principals: ctx.principals, subjectPrefixes, signal };
      const { topics, acls } = await readTopicsAndAcls(admin, read).catch((error: unknown) => {
        throw kafkaError(error, config.cluster!, 'read the topics and ACLs');
      });
      const subjects = config.registry ? await readSubjects(clients.registry(), read) : [];
      return { topics, acls, subjects };
    });
  } finally {
    await boundedClose(clients, ctx.log);
  }

  const files: OutputFile[] = [ctx.format === 'strimzi' ? strimziTopicsFile(inventory.topics, ctx.strimziCluster) : synchookTopicsFile(inventory.topics)];
  const acls = aclsFile(inventory.acls);
  if (ctx.principals.length > 0) files.push(acls.file);
  if (config.registry) files.push(...subjectFiles(inventory.subjects));

  const existing = files.map((file) => join(outDir, file.path)).filter((path) => existsSync(path));
  if (existing.length > 0 && !ctx.force) {
    throw new ConfigError(`${relative(process.cwd(), existing[0]!) || existing[0]} already exists${existing.length > 1 ? ` (and ${existing.length - 1} more of the files import writes)` : ''}: nothing was written. Pass --force to overwrite, or choose another --out folder.`);
  }
  for (const file of files) {
    const path = join(outDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
  }

  for (const topic of inventory.topics.filter((candidate) => candidate.hidden.length > 0)) {
    ctx.log.warn({ topic: topic.name, configs: topic.hidden }, `topic ${topic.name}: ${topic.hidden.join(', ')} set on the topic but not shown by the broker (sensitive); declare ${topic.hidden.length === 1 ? 'it' : 'them'} by hand`);
  }
  for (const binding of acls.skipped) {
    ctx.log.warn({ binding }, `ACL of ${binding.principal} on ${binding.resourceType} ${binding.resourceName} not imported: synchook manages ACLs on topics, groups, the cluster and transactional ids only`);
  }
  const fromConfig = (path: string) => relative(dir, join(outDir, path)) || path;
  const lines = [
    `Wrote ${inventory.topics.length} topic${inventory.topics.length === 1 ? '' : 's'} to ${fromConfig(files[0]!.path)}` +
      (ctx.principals.length > 0 ? `, ${inventory.acls.length - acls.skipped.length} ACL bindings of ${ctx.principals.join(', ')} to ${fromConfig(acls.file.path)}` : '') +
      (config.registry ? `, ${inventory.subjects.length} subject${inventory.subjects.length === 1 ? '' : 's'} to ${fromConfig('subjects.yaml')}` : '') +
      '.',
    '',
    'Name them in the config (paths relative to it):',
    '',
    'topics:',
    `  files: [${fromConfig(files[0]!.path)}]`,
    `  managedPrefix: [${ctx.prefixes.map((prefix) => JSON.stringify(prefix)).join(', ')}]`,
    ...(ctx.principals.length > 0 ? ['acls:', `  files: [${fromConfig(acls.file.path)}]`, `  managedPrincipals: [${ctx.principals.map((principal) => JSON.stringify(principal)).join(', ')}]`] : []),
    ...(config.registry ? ['schemas:', `  files: [${fromConfig('subjects.yaml')}]`] : []),
    '',
  ];
  ctx.out(lines.join('\n'));
  return 0;
}
