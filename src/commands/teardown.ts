import { createClients } from '../clients/index.js';
import { kafkaError } from '../clients/kafka.js';
import { throwFirstRefusal, type KafkaAdmin } from '../clients/kafka/admin.js';
import type { RegistryClient } from '../clients/registry.js';
import type { ClusterConfig } from '../config/common.js';
import { loadConfig, type SynchookConfig } from '../synchook-config.js';
import { formatDuration } from '../duration.js';
import { ConfigError, ExitCode, SynchookError, messageOf } from '../errors.js';
import { boundedClose, withDeadline } from '../runner.js';
import { aclKey, describeAcl, exactFilter, loadDesiredAcls, readClusterAcls, type AclBinding } from '../tasks/acls/index.js';
import { loadDeclarations } from '../tasks/schemas/declarations.js';
import { registrationOrder } from '../tasks/schemas/references.js';
import { folderSource } from '../tasks/schemas/sources.js';
import { probeTopicName } from '../tasks/smoke/config.js';
import { inManagedScope, isInternalTopic, loadDesiredTopics } from '../tasks/topics/index.js';
import { describePrefixes } from '../tasks/topics/scope.js';
import type { CommandContext } from './context.js';

/**
 * `synchook teardown`: removes an ephemeral environment's Kafka and registry state — the topics
 * under topics.managedPrefix (declared or not), the probe topic synchook created for the
 * environment, the subjects the config declares and the ACLs it declares — and nothing else.
 * A dry run unless --yes.
 */

export interface TeardownPlan {
  prefixes: string[];
  topics: string[];
  /** Declared subjects present in the registry, in an order that deletes referencing subjects first. */
  subjects: string[];
  acls: AclBinding[];
  /** What the config names but teardown leaves alone, with the reason. */
  kept: string[];
}

interface Desired {
  prefixes: string[];
  /** Topic names declared by Strimzi resources marked strimzi.io/managed: "false". */
  unmanagedTopics: Set<string>;
  declaredOutsidePrefix: string[];
  probeTopic?: string;
  subjects: string[];
  acls: AclBinding[];
}

export async function runTeardown(ctx: CommandContext & { yes: boolean }): Promise<number> {
  const loaded = loadConfig(ctx.configPath, ctx.env);
  const { config, dir } = loaded;
  // Every file is read before Kafka or the registry is asked anything: a bad file deletes nothing.
  const desired = readDesired(config, config.environment, dir, ctx.configPath);
  const timeoutMs = ctx.timeoutMs ?? config.timeout;
  const clients = createClients(config, dir, ctx.log);
  try {
    return await withDeadline(ctx.signal, timeoutMs, `teardown did not finish within ${formatDuration(timeoutMs)}; run it again to delete the rest`, async (signal) => {
      const admin = clients.kafkaAdmin();
      const registry = desired.subjects.length > 0 ? clients.registry() : undefined;
      const plan = await planTeardown(desired, admin, registry, signal, config.cluster!);
      ctx.out(renderPlan(plan, config.environment));
      const total = plan.topics.length + plan.subjects.length + plan.acls.length;
      if (total === 0) {
        ctx.out('nothing to delete.');
        return ExitCode.Success;
      }
      if (!ctx.yes) {
        ctx.out(`dry run: ${counts(plan)} would be deleted; nothing was deleted. Run synchook teardown --yes to delete them.`);
        return ExitCode.Success;
      }
      await applyTeardown(plan, admin, registry, signal, config.cluster!, (line) => ctx.out(line));
      ctx.out(`deleted ${counts(plan)}.`);
      return ExitCode.Success;
    });
  } finally {
    // kafkajs waits for in-flight requests while disconnecting; --timeout must bound that too.
    await boundedClose(clients, ctx.log);
  }
}

function readDesired(config: SynchookConfig, environment: string, dir: string, shown: string): Desired {
  const topics = config.topics;
  if (!topics?.managedPrefix) {
    throw new ConfigError(
      `${shown}: teardown deletes only what a config owns, and this config sets no topics.managedPrefix. Set topics.managedPrefix to the name prefix of the ephemeral environment's topics (e.g. "pr-123.").`,
    );
  }
  if (!config.cluster) throw new ConfigError(`${shown}: teardown needs Kafka, but the config has no cluster section. Add cluster.brokers.`);
  const prefixes = topics.managedPrefix;
  const declared = loadDesiredTopics(topics, dir);
  const { schemas, acls, smoke } = config;
  let subjects: string[] = [];
  if (schemas) {
    if (!config.registry) throw new ConfigError(`${shown}: the schemas section declares subjects, but the config has no registry section to delete them from. Add registry.url.`);
    const declarations = registrationOrder(loadDeclarations(folderSource(dir, 'the config folder'), schemas.files ?? [], schemas.compatibility));
    subjects = declarations.map((declaration) => declaration.subject).reverse();
  }
  // The probe topic synchook creates for this environment, when the name is its own default:
  // a topic named in smoke.topic may be shared, and is left alone unless it is under the prefix.
  const probeTopic = smoke && smoke.mode === 'probe-topic' && smoke.createTopic && smoke.topic === undefined ? probeTopicName(smoke, environment) : undefined;
  return {
    prefixes,
    unmanagedTopics: new Set(declared.unmanaged.map((topic) => topic.name)),
    declaredOutsidePrefix: declared.topics.map((topic) => topic.name).filter((name) => !inManagedScope(name, prefixes)),
    probeTopic,
    subjects,
    acls: acls ? loadDesiredAcls(acls, dir).acls.map((acl) => acl.binding) : [],
  };
}

export async function planTeardown(desired: Desired, admin: KafkaAdmin, registry: RegistryClient | undefined, signal: AbortSignal, cluster: ClusterConfig): Promise<TeardownPlan> {
  const kept: string[] = [];
  const existing = (
    await admin.listTopics().catch((error: unknown) => {
      throw kafkaError(error, cluster, 'list topics');
    })
  ).map((topic) => topic.name);
  const topics = existing
    .filter((name) => !isInternalTopic(name))
    .filter((name) => {
      if (desired.unmanagedTopics.has(name)) {
        if (inManagedScope(name, desired.prefixes)) kept.push(`topic ${name}: its Strimzi resource says strimzi.io/managed: "false"`);
        return false;
      }
      return inManagedScope(name, desired.prefixes) || name === desired.probeTopic;
    })
    .sort();
  for (const name of desired.declaredOutsidePrefix) if (existing.includes(name)) kept.push(`topic ${name}: declared, but outside managedPrefix ${describePrefixes(desired.prefixes)}`);

  let subjects: string[] = [];
  if (registry && desired.subjects.length > 0) {
    // deleted=true lists soft-deleted subjects too, so an interrupted teardown is finished.
    const present = new Set(await registry.subjects({ deleted: true, signal }));
    subjects = desired.subjects.filter((subject) => present.has(subject));
  }

  let acls: AclBinding[] = [];
  if (desired.acls.length > 0) {
    const declared = new Set(desired.acls.map(aclKey));
    const actual = await readClusterAcls(admin).catch((error: unknown) => {
      throw kafkaError(error, cluster, 'describe ACLs');
    });
    acls = actual.bindings.filter((binding) => declared.has(aclKey(binding)));
  }
  return { prefixes: desired.prefixes, topics, subjects, acls, kept };
}

async function applyTeardown(
  plan: TeardownPlan,
  admin: KafkaAdmin,
  registry: RegistryClient | undefined,
  signal: AbortSignal,
  cluster: ClusterConfig,
  out: (line: string) => void,
): Promise<void> {
  const done: string[] = [];
  const failed = (what: string, error: unknown): SynchookError => {
    const before = done.length > 0 ? ` Deleted before the failure: ${done.join(', ')}; run teardown again to delete the rest.` : ' Nothing was deleted.';
    const cause = error instanceof SynchookError ? error : kafkaError(error, cluster, what);
    return new SynchookError(`teardown could not ${what}: ${messageOf(cause)}${before}`, cause.exitCode, { cause: error });
  };
  // ACLs first: the applications lose access before their topics go.
  if (plan.acls.length > 0) {
    try {
      throwFirstRefusal(await admin.deleteAcls(plan.acls.map(exactFilter)));
    } catch (error) {
      throw failed('delete ACLs', error);
    }
    done.push(`${plan.acls.length} ACL${plan.acls.length === 1 ? '' : 's'}`);
    out(`deleted ${plan.acls.length} ACL${plan.acls.length === 1 ? '' : 's'}`);
  }
  if (plan.topics.length > 0) {
    try {
      // A topic deleted meanwhile (by an earlier, interrupted teardown) is done.
      throwFirstRefusal((await admin.deleteTopics(plan.topics, { timeoutMs: cluster.requestTimeout })).values(), ['UNKNOWN_TOPIC_OR_PARTITION']);
    } catch (error) {
      throw failed('delete topics', error);
    }
    done.push(`${plan.topics.length} topic${plan.topics.length === 1 ? '' : 's'}`);
    out(`deleted ${plan.topics.length} topic${plan.topics.length === 1 ? '' : 's'}`);
  }
  if (registry) {
    for (const subject of plan.subjects) {
      try {
        // Soft delete, then the hard delete that must follow it; an earlier run may have done either.
        await registry.deleteSubject(subject, { signal });
        await registry.deleteSubject(subject, { permanent: true, signal });
        await registry.deleteLevel(subject, { signal });
      } catch (error) {
        throw failed(`delete subject ${subject}`, error);
      }
      done.push(`subject ${subject}`);
    }
    if (plan.subjects.length > 0) out(`deleted ${plan.subjects.length} subject${plan.subjects.length === 1 ? '' : 's'}`);
  }
}

export function renderPlan(plan: TeardownPlan, environment: string): string {
  const lines = [`teardown of environment ${environment} (managedPrefix ${describePrefixes(plan.prefixes)}):`];
  for (const topic of plan.topics) lines.push(`  - topic ${topic}`);
  for (const subject of plan.subjects) lines.push(`  - subject ${subject}`);
  for (const acl of plan.acls) lines.push(`  - acl ${describeAcl(acl)}`);
  for (const reason of plan.kept) lines.push(`  left alone: ${reason}`);
  return lines.join('\n');
}

function counts(plan: TeardownPlan): string {
  const part = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  return [part(plan.topics.length, 'topic'), part(plan.subjects.length, 'subject'), part(plan.acls.length, 'ACL')].join(', ');
}
