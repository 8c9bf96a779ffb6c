/**
 * The one client of a Kafka Connect cluster's REST API: one method per endpoint, every answer
 * checked against its shape (connect-responses.ts). One transport owns auth, TLS, a timeout per
 * attempt, bounded retries of network errors and 5xx, and the retry of 409 Conflict: the worker
 * answers 409 while its group rebalances or a config change is in flight
 * (RebalanceNeededException / "Cannot complete request momentarily due to ..."), which is retried
 * until the call's signal ends it.
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as pause } from 'node:timers/promises';
import type { z } from 'zod';
import type { ConnectClusterConfig } from '../config/connect.js';
import { ConfigError, SynchookError, UnreachableError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import {
  AnyAnswer, ConnectErrorAnswer, ConnectorConfigAnswer, ConnectorInfoAnswer, ConnectorStatusAnswer, ExpandedConnectorsAnswer, PluginList, ServerInfo, ValidationAnswer,
  type ConnectorStatus, type PluginInfo, type ValidationAnswer as Validation,
} from './connect-responses.js';
import { isCertificateError, tlsOptions } from './tls.js';

export type { ConnectorStatus, PluginInfo };

/** An error answer of the worker, with its status and message. */
class ConnectHttpError extends SynchookError {
  constructor(readonly cluster: string, readonly method: string, readonly path: string, readonly status: number, readonly workerMessage: string) {
    super(`Connect cluster ${cluster} answered ${status} to ${method} ${path}: ${workerMessage}`, 1);
  }
}

interface ExpandedConnector {
  config: Record<string, string>;
  status?: ConnectorStatus;
}

interface CallOptions {
  signal?: AbortSignal;
}

export interface ConnectClient {
  readonly name: string;
  readonly url: string;
  serverInfo(options?: CallOptions): Promise<ServerInfo>;
  plugins(options?: CallOptions): Promise<PluginInfo[]>;
  /** PUT /connector-plugins/{class}/config/validate; the config must name connector.class. */
  validate(className: string, config: Record<string, string>, options?: CallOptions): Promise<Validation>;
  /** GET /connectors?expand=info&expand=status: every connector's config and status. */
  connectors(options?: CallOptions): Promise<Map<string, ExpandedConnector>>;
  /** Undefined when the connector does not exist. */
  connectorConfig(name: string, options?: CallOptions): Promise<Record<string, string> | undefined>;
  /** PUT /connectors/{name}/config: creates or replaces the whole config (idempotent). */
  putConnectorConfig(name: string, config: Record<string, string>, options?: CallOptions): Promise<void>;
  /** Undefined when the connector does not exist. */
  status(name: string, options?: CallOptions): Promise<ConnectorStatus | undefined>;
  pause(name: string, options?: CallOptions): Promise<void>;
  resume(name: string, options?: CallOptions): Promise<void>;
  /** PUT /connectors/{name}/stop, Kafka 3.5 and later (KIP-875). */
  stop(name: string, options?: CallOptions): Promise<void>;
  deleteConnector(name: string, options?: CallOptions): Promise<void>;
  /** POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true (KIP-745, Kafka 3.0). */
  restartFailed(name: string, options?: CallOptions): Promise<void>;
}

interface RawAnswer {
  status: number;
  text: string;
}

type Outcome<T> = { ok: true; body: T } | { ok: false; status: number; message: string };

/** How long between attempts while the worker answers 409 (rebalancing). */
const CONFLICT_BACKOFF_MS = [250, 500, 1_000, 2_000];

export function createConnectClient(config: ConnectClusterConfig, options: { dir: string; log: Logger }): ConnectClient {
  const where = `connect[${config.name}]`;
  const base = new URL(config.url.endsWith('/') ? config.url : `${config.url}/`);
  const url = base.toString().replace(/\/$/, '');
  const tls = tlsOptions(config.tls, options.dir, where);
  const agent = base.protocol === 'https:' ? new https.Agent({ ...tls, keepAlive: true }) : new http.Agent({ keepAlive: true });
  const auth = config.basicAuth ? `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString('base64')}` : undefined;

  const once = (method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const target = new URL(path.replace(/^\//, ''), base);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'synchook' };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
      }
      if (auth) headers.authorization = auth;
      const transport = target.protocol === 'https:' ? https : http;
      const request = transport.request(target, { method, headers, agent, timeout: config.timeout, signal }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${config.timeout} ms`), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.end(payload);
    });

  const notConnect = (method: string, path: string, found: string) =>
    new ConfigError(`${where}.url ${url}: ${method} /${path.split('?')[0]} answers with ${found}, not the Kafka Connect REST API. Set ${where}.url to the base URL of the Connect REST API (e.g. http://connect:8083).`);

  async function send<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, answer: z.ZodType<T>, extra: { body?: unknown; accept?: number[]; signal?: AbortSignal } = {}): Promise<Outcome<T>> {
    const { signal } = extra;
    const attempts = config.retries + 1;
    let failures = 0;
    let conflicts = 0;
    let lastError: unknown;
    for (;;) {
      if (signal?.aborted) throw lastError instanceof ConnectHttpError && lastError.status === 409 ? conflictError(method, path, lastError) : (signal.reason ?? new Error('aborted'));
      let raw: RawAnswer | undefined;
      try {
        raw = await once(method, path, extra.body, signal ? AbortSignal.any([signal]) : undefined);
      } catch (error) {
        if (signal?.aborted) {
          if (lastError instanceof ConnectHttpError && lastError.status === 409) throw conflictError(method, path, lastError);
          throw signal.reason ?? error;
        }
        if (isCertificateError(error)) {
          throw new ConfigError(`cannot reach Connect cluster ${config.name} at ${url}: TLS certificate check failed (${messageOf(error)}). Set ${where}.tls.caFile to the CA that signed its certificate.`, { cause: error });
        }
        lastError = error;
      }
      if (raw) {
        const json = parseJson(raw.text);
        const workerMessage = ConnectErrorAnswer.safeParse(json).data?.message ?? (raw.text.slice(0, 200) || `HTTP ${raw.status}`);
        if (raw.status === 401 || raw.status === 403) {
          throw new ConfigError(`Connect cluster ${config.name} at ${url} refused ${method} /${path.split('?')[0]} with ${raw.status} (${workerMessage}). Check ${where}.basicAuth and the user's permissions.`);
        }
        if (raw.status === 409) {
          lastError = new ConnectHttpError(config.name, method, `/${path}`, 409, workerMessage);
          options.log.debug({ cluster: config.name, method, path, message: workerMessage }, 'Connect answered 409 (rebalance); retrying');
          await pause(CONFLICT_BACKOFF_MS[Math.min(conflicts, CONFLICT_BACKOFF_MS.length - 1)], undefined, { signal }).catch(() => undefined);
          conflicts += 1;
          continue;
        }
        if (raw.status >= 500) {
          lastError = new ConnectHttpError(config.name, method, `/${path}`, raw.status, workerMessage);
        } else if (raw.status >= 400) {
          if (extra.accept?.includes(raw.status)) return { ok: false, status: raw.status, message: workerMessage };
          if ((raw.status === 404 || raw.status === 405) && !ConnectErrorAnswer.safeParse(json).success) throw notConnect(method, path, `HTTP ${raw.status} without a Connect error body`);
          throw new ConnectHttpError(config.name, method, `/${path}`, raw.status, workerMessage);
        } else if (raw.status >= 300 || raw.status < 200) {
          throw notConnect(method, path, `HTTP ${raw.status}`);
        } else {
          if (raw.status === 202 || raw.status === 204 || answer === AnyAnswer) return { ok: true, body: undefined as T };
          if (json === NOT_JSON) throw notConnect(method, path, `a body that is not JSON (${raw.text.slice(0, 80)})`);
          const parsed = answer.safeParse(json);
          if (!parsed.success) throw notConnect(method, path, `JSON that is not Connect's answer to this request (${raw.text.slice(0, 80)})`);
          return { ok: true, body: parsed.data };
        }
      }
      failures += 1;
      if (failures >= attempts) break;
      await pause(Math.min(250 * 2 ** (failures - 1), 2_000), undefined, { signal }).catch(() => undefined);
    }
    if (lastError instanceof ConnectHttpError) {
      throw new UnreachableError(`Connect cluster ${config.name} at ${url} kept failing: ${lastError.message} (after ${attempts} attempts). Check the workers' health.`, { cause: lastError });
    }
    throw new UnreachableError(`cannot reach Connect cluster ${config.name} at ${url} (${where}.url): ${messageOf(lastError)} (after ${attempts} attempts). Check the URL and that the workers are up.`, { cause: lastError });
  }

  const conflictError = (method: string, path: string, last: ConnectHttpError) =>
    new UnreachableError(`Connect cluster ${config.name} at ${url} kept answering 409 Conflict to ${method} /${path.split('?')[0]} until the deadline (${last.workerMessage}): its workers are rebalancing. Run again once the group is stable.`, { cause: last });

  const enc = encodeURIComponent;
  const required = async <T>(promise: Promise<Outcome<T>>): Promise<T> => {
    const outcome = await promise;
    if (!outcome.ok) throw new Error(`unexpected ${outcome.status}`);
    return outcome.body;
  };
  const ifExists = async <T>(promise: Promise<Outcome<T>>): Promise<T | undefined> => {
    const outcome = await promise;
    return outcome.ok ? outcome.body : undefined;
  };

  return {
    name: config.name,
    url,
    serverInfo: (o = {}) => required(send('GET', '', ServerInfo, o)),
    plugins: (o = {}) => required(send('GET', 'connector-plugins', PluginList, o)),
    validate: (className, connectorConfig, o = {}) => required(send('PUT', `connector-plugins/${enc(className)}/config/validate`, ValidationAnswer, { ...o, body: connectorConfig })),
    async connectors(o = {}) {
      const body = await required(send('GET', 'connectors?expand=info&expand=status', ExpandedConnectorsAnswer, o));
      return new Map(Object.entries(body).map(([name, entry]) => [name, { config: entry.info.config, status: entry.status }]));
    },
    connectorConfig: (name, o = {}) => ifExists(send('GET', `connectors/${enc(name)}/config`, ConnectorConfigAnswer, { ...o, accept: [404] })),
    putConnectorConfig: async (name, connectorConfig, o = {}) => {
      await required(send('PUT', `connectors/${enc(name)}/config`, ConnectorInfoAnswer, { ...o, body: connectorConfig }));
    },
    status: (name, o = {}) => ifExists(send('GET', `connectors/${enc(name)}/status`, ConnectorStatusAnswer, { ...o, accept: [404] })),
    pause: async (name, o = {}) => void (await required(send('PUT', `connectors/${enc(name)}/pause`, AnyAnswer, o))),
    resume: async (name, o = {}) => void (await required(send('PUT', `connectors/${enc(name)}/resume`, AnyAnswer, o))),
    stop: async (name, o = {}) => void (await required(send('PUT', `connectors/${enc(name)}/stop`, AnyAnswer, o))),
    deleteConnector: async (name, o = {}) => void (await required(send('DELETE', `connectors/${enc(name)}`, AnyAnswer, o))),
    restartFailed: async (name, o = {}) => void (await required(send('POST', `connectors/${enc(name)}/restart?includeTasks=true&onlyFailed=true`, AnyAnswer, o))),
  };
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  if (text.trim() === '') return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}
