import type { Admin } from 'kafkajs';
import type { LoadedConfig } from '../config/load.js';
import { loadConfig } from '../synchook-config.js';
import { connectAdmin, createKafka, kafkaError } from '../clients/kafka.js';
import { compareApiSupport, fetchApiVersions, operationApiSupport, type ApiSupport, type OperationApiSupport } from '../clients/kafka-api-versions.js';
import { createRegistryClient } from '../clients/registry.js';
import { createConnectClient } from '../clients/connect.js';
import type { ConnectClusterConfig } from '../config/connect.js';
import { tlsOptions } from '../clients/tls.js';
import { ExitCode, SynchookError, exitCodeOf, messageOf, worstExitCode } from '../errors.js';
import { formatDuration } from '../duration.js';
import { withDeadline } from '../runner.js';
import type { DoctorCheck } from '../report/types.js';
import type { CommandContext } from './context.js';


export const DOCTOR_DEFAULT_TIMEOUT_MS = 30_000;

/** `synchook doctor`: reach each configured dependency with the configured auth and say what is there. */
export async function runDoctor(ctx: CommandContext & { format?: 'text' | 'json' }): Promise<number> {
  const loaded = loadConfig(ctx.configPath, ctx.env);
  const timeoutMs = ctx.timeoutMs ?? DOCTOR_DEFAULT_TIMEOUT_MS;
  const checks: Array<Promise<DoctorCheck>> = [];
  if (loaded.config.cluster) checks.push(guarded('kafka', timeoutMs, ctx, () => checkKafka(loaded, ctx)));
  if (loaded.config.registry) checks.push(guarded('registry', timeoutMs, ctx, () => checkRegistry(loaded, ctx)));
  for (const cluster of (loaded.config.connect ?? []) as ConnectClusterConfig[]) {
    checks.push(guarded(`connect ${cluster.name}`, timeoutMs, ctx, () => checkConnect(cluster, loaded, ctx)));
  }
  if (loaded.config.report?.github) checks.push(guarded('github', timeoutMs, ctx, async () => (await import('../report/github/doctor.js')).checkGitHub(loaded, ctx)));
  if (checks.length === 0) {
    throw new SynchookError(`${ctx.configPath}: nothing to check: the config has no cluster, registry, connect or report.github section.`, ExitCode.Config);
  }
  const results = await Promise.all(checks);
  if (ctx.format === 'json') ctx.out(JSON.stringify({ config: loaded.file, checks: results }, null, 2));
  else {
    for (const check of results) {
      ctx.out(`${check.ok ? 'ok   ' : 'FAIL '} ${check.name}`);
      for (const line of check.lines) ctx.out(`      ${line}`);
    }
  }
  const failed = results.filter((check) => !check.ok);
  if (failed.length === 0) return ExitCode.Success;
  // A failed check is at least a rejection.
  return worstExitCode([ExitCode.Rejected, ...failed.map((check) => check.exitCode)]);
}

async function guarded(name: string, timeoutMs: number, ctx: CommandContext, body: () => Promise<DoctorCheck>): Promise<DoctorCheck> {
  try {
    return await withDeadline(ctx.signal, timeoutMs, `${name}: no answer within ${formatDuration(timeoutMs)}`, () => body());
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { name, ok: false, lines: [messageOf(error)], exitCode: error instanceof SynchookError ? error.exitCode : exitCodeOf(error) };
  }
}

async function checkKafka(loaded: LoadedConfig, ctx: CommandContext): Promise<DoctorCheck> {
  const cluster = loaded.config.cluster!;
  const kafka = createKafka(cluster, { dir: loaded.dir, log: ctx.log, clientIdSuffix: 'doctor' });
  let admin: Admin | undefined;
  try {
    admin = await connectAdmin(kafka, cluster);
    const described = await admin.describeCluster().catch((error: unknown) => {
      throw kafkaError(error, cluster, 'describe the cluster');
    });
    const controller = described.brokers.find((broker) => broker.nodeId === described.controller);
    const first = described.brokers[0]!;
    const ranges = await fetchApiVersions(`${first.host}:${first.port}`, {
      tls: tlsOptions(cluster.tls, loaded.dir, 'cluster'),
      timeoutMs: cluster.requestTimeout,
      clientId: `${cluster.clientId}-doctor`,
    });
    const support = compareApiSupport(ranges);
    const missing = support.filter((api) => api.negotiated === undefined);
    const operations = operationApiSupport(ranges);
    const auth = cluster.sasl ? `SASL ${cluster.sasl.mechanism.toUpperCase()} as ${cluster.sasl.username}` : 'no SASL';
    const lines = [
      `bootstrap: ${cluster.brokers.join(', ')} (${cluster.tls?.enabled ? 'TLS' : 'plaintext'}, ${auth})`,
      `cluster id: ${described.clusterId}`,
      `controller: ${controller ? `${controller.nodeId} at ${controller.host}:${controller.port}` : String(described.controller)}`,
      `brokers (${described.brokers.length}): ${described.brokers.map((broker) => `${broker.nodeId}@${broker.host}:${broker.port}`).join(', ')}`,
      `API versions used (broker range → version used): ${support.map(formatApi).join(', ')}`,
      `cluster operation APIs (broker range): ${operations.map(formatOperationApi).join(', ')}`,
    ];
    if (missing.length > 0) {
      lines.push(`unsupported: ${missing.map((api) => `${api.name} (used by ${api.usedBy})`).join(', ')}: this broker and the client share no version of these APIs.`);
    }
    return {
      name: 'kafka',
      ok: missing.length === 0,
      lines,
      exitCode: missing.length === 0 ? ExitCode.Success : ExitCode.Rejected,
      facts: { clusterId: described.clusterId, controller: described.controller, brokers: described.brokers, apiVersions: support, operationApis: operations },
    };
  } catch (error) {
    throw kafkaError(error, cluster);
  } finally {
    await admin?.disconnect().catch(() => undefined);
  }
}

function formatApi(api: ApiSupport): string {
  const broker = api.broker ? `${api.broker.min}-${api.broker.max}` : 'none';
  return `${api.name} ${broker}→${api.negotiated ?? 'none'}`;
}

function formatOperationApi(api: OperationApiSupport): string {
  return api.broker ? `${api.name} (${api.key}) ${api.broker.min}-${api.broker.max}` : `${api.name} (${api.key}) not supported (needs ${api.needs})`;
}

async function checkRegistry(loaded: LoadedConfig, ctx: CommandContext): Promise<DoctorCheck> {
  const registry = createRegistryClient(loaded.config.registry!, { dir: loaded.dir, log: ctx.log });
  const signal = ctx.signal;
  // Every answer is checked to be a registry's: a login page or a gateway fails here, naming registry.url.
  const compatibility = (await registry.level(undefined, { signal })) ?? 'unknown';
  const mode = await registry.mode({ signal });
  const subjects = await registry.subjects({ signal });
  const auth = loaded.config.registry!.basicAuth ? `basic auth as ${loaded.config.registry!.basicAuth.username}` : 'no auth';
  const warnings: string[] = [];
  if (mode && mode !== 'READWRITE') warnings.push(`mode is ${mode}: registrations will be refused until it is READWRITE.`);
  if (compatibility === 'NONE') warnings.push('global compatibility is NONE: the registry accepts any change; set the level per subject in the schemas section.');
  return {
    name: 'registry',
    ok: true,
    lines: [
      `url: ${registry.url} (${auth})`,
      `mode: ${mode ?? 'not reported'}`,
      `global compatibility: ${compatibility}`,
      `subjects: ${subjects.length}`,
      ...warnings.map((warning) => `warning: ${warning}`),
    ],
    exitCode: ExitCode.Success,
    facts: { url: registry.url, mode, compatibility, subjects: subjects.length },
  };
}

/** A Connect cluster: its Kafka version and the connector plugins its workers have. */
async function checkConnect(cluster: ConnectClusterConfig, loaded: LoadedConfig, ctx: CommandContext): Promise<DoctorCheck> {
  const connect = createConnectClient(cluster, { dir: loaded.dir, log: ctx.log });
  const signal = ctx.signal;
  const info = await connect.serverInfo({ signal });
  const plugins = await connect.plugins({ signal });
  const auth = cluster.basicAuth ? `basic auth as ${cluster.basicAuth.username}` : 'no auth';
  return {
    name: `connect ${cluster.name}`,
    ok: true,
    lines: [
      `url: ${connect.url} (${auth})`,
      `version: ${info.version}${info.kafka_cluster_id ? ` (Kafka cluster ${info.kafka_cluster_id})` : ''}`,
      `plugins: ${plugins.length}`,
      ...plugins.map((plugin) => `  ${plugin.class}${plugin.version ? ` ${plugin.version}` : ''}${plugin.type ? ` (${plugin.type})` : ''}`),
    ],
    exitCode: ExitCode.Success,
    facts: { url: connect.url, version: info.version, plugins: plugins.map((plugin) => plugin.class) },
  };
}
