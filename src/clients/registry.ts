import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { RegistryConfig } from '../config/common.js';
import { ConfigError, SynchookError, UnreachableError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { isCertificateError, tlsOptions } from './tls.js';

/** Content type of Confluent's REST API (Schema Registry API reference, "Content types"). */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface RegistryResponse<T = unknown> {
  status: number;
  body: T;
}

/** An error answer of the registry: Confluent's `{ error_code, message }` with the HTTP status. */
export class RegistryHttpError extends SynchookError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errorCode: number | undefined,
    readonly registryMessage: string,
  ) {
    super(`registry answered ${status}${errorCode !== undefined ? ` (error_code ${errorCode})` : ''} to ${method} ${path}: ${registryMessage}`, 1);
  }
}

export interface RequestOptions {
  /** Statuses the caller handles itself (e.g. 404 "subject not found"); they are returned, not thrown. */
  accept?: number[];
  /** Retry 5xx and network errors (default true; false for a POST that must not be sent twice). */
  retry?: boolean;
  signal?: AbortSignal;
}

export interface RegistryClient {
  readonly url: string;
  /** A REST call against the Confluent API, with auth, timeout and bounded retries. */
  request<T = unknown>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<RegistryResponse<T>>;
  /** The @kafkajs/confluent-schema-registry client (serdes, register) with the same auth and TLS. */
  serdes(): SchemaRegistry;
}

export function createRegistryClient(config: RegistryConfig, options: { dir: string; log: Logger; userAgent?: string }): RegistryClient {
  const base = new URL(config.url.endsWith('/') ? config.url : `${config.url}/`);
  const tls = tlsOptions(config.tls, options.dir, 'registry');
  const agent = base.protocol === 'https:' ? new https.Agent({ ...tls, keepAlive: true }) : new http.Agent({ keepAlive: true });
  const auth = config.basicAuth ? `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString('base64')}` : undefined;
  let serdes: SchemaRegistry | undefined;

  const once = <T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<RegistryResponse<T>> =>
    new Promise((resolve, reject) => {
      const target = new URL(path.replace(/^\//, ''), base);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = { accept: `${REGISTRY_CONTENT_TYPE}, application/json` , 'user-agent': options.userAgent ?? 'synchook' };
      if (payload) {
        headers['content-type'] = REGISTRY_CONTENT_TYPE;
        headers['content-length'] = String(payload.length);
      }
      if (auth) headers.authorization = auth;
      const transport = target.protocol === 'https:' ? https : http;
      const request = transport.request(target, { method, headers, agent, timeout: config.timeout, signal }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON (a proxy's HTML error page): keep the text for the message.
          }
          resolve({ status: response.statusCode ?? 0, body: parsed as T });
        });
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${config.timeout} ms`), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.end(payload);
    });

  return {
    url: base.toString().replace(/\/$/, ''),
    async request<T>(method: string, path: string, body?: unknown, requestOptions: RequestOptions = {}) {
      const attempts = requestOptions.retry === false ? 1 : config.retries + 1;
      let lastError: unknown;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        if (requestOptions.signal?.aborted) throw requestOptions.signal.reason ?? new Error('aborted');
        let response: RegistryResponse<T> | undefined;
        try {
          response = await once<T>(method, path, body, requestOptions.signal);
        } catch (error) {
          if (requestOptions.signal?.aborted) throw requestOptions.signal.reason ?? error;
          if (isCertificateError(error)) {
            throw new ConfigError(`cannot reach the registry at ${config.url}: TLS certificate check failed (${messageOf(error)}). Set registry.tls.caFile to the CA that signed its certificate.`, { cause: error });
          }
          lastError = error;
          options.log.debug({ method, path, attempt, error: messageOf(error) }, 'registry request failed');
        }
        if (response) {
          if (response.status === 401 || response.status === 403) {
            throw new ConfigError(`the registry at ${config.url} refused ${method} ${path} with ${response.status} (${errorMessage(response.body)}). Check registry.basicAuth (username and password) and the user's permissions.`);
          }
          if (response.status >= 500) {
            // A server error is the registry failing, not the request: retried, then exit 3.
            lastError = new RegistryHttpError(method, path, response.status, errorCode(response.body), errorMessage(response.body));
            options.log.debug({ method, path, attempt, status: response.status }, 'registry answered a server error');
          } else if (response.status >= 400 && !(requestOptions.accept ?? []).includes(response.status)) {
            throw new RegistryHttpError(method, path, response.status, errorCode(response.body), errorMessage(response.body));
          } else {
            return response;
          }
        }
        if (attempt < attempts) await sleep(Math.min(200 * 2 ** (attempt - 1), 2_000), requestOptions.signal);
      }
      if (lastError instanceof RegistryHttpError) {
        throw new UnreachableError(`the registry at ${config.url} kept failing: ${lastError.message} (after ${attempts} attempts). Check the registry's health.`, { cause: lastError });
      }
      throw new UnreachableError(`cannot reach the registry at ${config.url} (registry.url): ${messageOf(lastError)} (after ${attempts} attempts). Check the URL and that the registry is up.`, { cause: lastError });
    },
    serdes() {
      // Loaded on first use (a smoke probe with a serde): with avsc, protobufjs and mappersmith it
      // is a large part of start-up for every run that never decodes a record.
      serdes ??= new (loadSchemaRegistry())({
        host: base.toString().replace(/\/$/, ''),
        auth: config.basicAuth ? { username: config.basicAuth.username, password: config.basicAuth.password! } : undefined,
        clientId: 'synchook',
        agent,
        retry: { retries: config.retries, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 },
      });
      return serdes;
    },
  };
}

function loadSchemaRegistry(): typeof SchemaRegistry {
  return (createRequire(import.meta.url)('@kafkajs/confluent-schema-registry') as typeof import('@kafkajs/confluent-schema-registry')).SchemaRegistry;
}

function errorCode(body: unknown): number | undefined {
  const code = (body as { error_code?: unknown } | undefined)?.error_code;
  return typeof code === 'number' ? code : undefined;
}

function errorMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    return JSON.stringify(body).slice(0, 300);
  }
  if (typeof body === 'string' && body.length > 0) return body.replace(/\s+/g, ' ').slice(0, 300);
  return 'no message';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
