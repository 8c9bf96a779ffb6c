/**
 * The one way synchook sends a request to the schema registry: auth, TLS, a timeout per attempt,
 * bounded retries (5xx, network errors, 429 after its Retry-After), and the check that the answer
 * comes from a Confluent-compatible registry at all. Anything else at registry.url (a redirect to a
 * login page, an HTML page, `{}` from a gateway, an unknown route) is a configuration error naming
 * registry.url, never read as "nothing registered yet".
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as pause } from 'node:timers/promises';
import type { z } from 'zod';
import type { RegistryConfig } from '../config/common.js';
import { ConfigError, SynchookError, UnreachableError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { ErrorAnswer } from './registry-responses.js';
import { isCertificateError, tlsOptions } from './tls.js';

/** Content type of Confluent's REST API (Schema Registry API reference, "Content types"). */
const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** The longest Retry-After honoured; a registry asking for more is treated as unavailable. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

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

export interface RegistryCall<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to registry.url, with its query, e.g. `subjects/orders-value/versions?deleted=true`. */
  path: string;
  body?: unknown;
  /** The shape of a successful answer; anything else means registry.url is not a registry. */
  answer: z.ZodType<T>;
  /** Error statuses the caller reads itself (e.g. 404 "subject not found"): returned, not thrown. */
  accept?: readonly number[];
  /** An endpoint not every registry has (GET /mode on Apicurio): a 404 or 405 without error code is returned. */
  optional?: boolean;
  signal?: AbortSignal;
}

type RegistryOutcome<T> = { ok: true; body: T } | { ok: false; status: number; errorCode?: number; message: string };

export interface RegistryTransport {
  /** registry.url without a trailing slash. */
  readonly url: string;
  readonly agent: http.Agent;
  send<T>(call: RegistryCall<T>): Promise<RegistryOutcome<T>>;
}

interface RawAnswer {
  status: number;
  contentType: string;
  location?: string;
  retryAfter?: string;
  text: string;
}

export function createRegistryTransport(config: RegistryConfig, options: { dir: string; log: Logger; userAgent?: string }): RegistryTransport {
  const base = new URL(config.url.endsWith('/') ? config.url : `${config.url}/`);
  const url = base.toString().replace(/\/$/, '');
  const tls = tlsOptions(config.tls, options.dir, 'registry');
  const agent = base.protocol === 'https:' ? new https.Agent({ ...tls, keepAlive: true }) : new http.Agent({ keepAlive: true });
  const auth = config.basicAuth ? `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString('base64')}` : undefined;

  const once = (method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const target = new URL(path.replace(/^\//, ''), base);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = { accept: `${REGISTRY_CONTENT_TYPE}, application/json`, 'user-agent': options.userAgent ?? 'synchook' };
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
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            location: response.headers.location,
            retryAfter: typeof response.headers['retry-after'] === 'string' ? response.headers['retry-after'] : undefined,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${config.timeout} ms`), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.end(payload);
    });

  const notARegistry = (call: { method: string; path: string }, found: string, hint = '') =>
    new ConfigError(
      `registry.url ${url}: ${call.method} /${stripQuery(call.path)} answers with ${found}, not a schema registry. Set registry.url to the base URL of the registry's Confluent-compatible API${hint}.`,
    );

  /** What one answer means: a result, a wait before the next attempt, or an error thrown at once. */
  const interpret = <T>(call: RegistryCall<T>, answer: RawAnswer): RegistryOutcome<T> | { retryIn: number; error: Error } => {
    const { method, path } = call;
    const json = parseJson(answer.text);
    if (answer.status >= 300 && answer.status < 400) {
      const target = answer.location ? ` to ${describeLocation(answer.location, base)}` : '';
      throw notARegistry(call, `a redirect (HTTP ${answer.status})${target}`, ' (a login page or gateway answers at this URL; synchook does not follow redirects)');
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new ConfigError(`the registry at ${url} refused ${method} /${path} with ${answer.status} (${errorText(json, answer)}). Check registry.basicAuth (username and password) and the user's permissions.`);
    }
    if (answer.status === 429) {
      const error = new RegistryHttpError(method, path, 429, undefined, 'too many requests');
      const wait = retryAfterMs(answer.retryAfter, Date.now());
      if (wait !== undefined && wait > MAX_RETRY_AFTER_MS) {
        throw new UnreachableError(`the registry at ${url} is rate limiting (HTTP 429) and asks to wait ${Math.ceil(wait / 1000)} s, longer than synchook waits (${MAX_RETRY_AFTER_MS / 1000} s). Run again later or raise the registry's limits.`, { cause: error });
      }
      return { retryIn: wait ?? -1, error };
    }
    if (answer.status >= 500) {
      const registryError = ErrorAnswer.safeParse(json);
      // A server error is the registry failing, not the request: retried, then exit 3.
      return { retryIn: -1, error: new RegistryHttpError(method, path, answer.status, registryError.data?.error_code, errorText(json, answer)) };
    }
    if (answer.status >= 400) {
      const registryError = ErrorAnswer.safeParse(json);
      if (!registryError.success && (answer.status === 404 || answer.status === 405)) {
        if (call.optional) return { ok: false, status: answer.status, message: `HTTP ${answer.status}` };
        // A registry's own 404 always carries an error_code (40401 subject, 40402 version, 40403
        // schema); a bare 404 is a route this server does not have.
        throw new ConfigError(
          `registry.url ${url} does not point at a Confluent-compatible API: ${method} /${stripQuery(path)} answered ${answer.status} without a registry error code. Set registry.url to the registry's Confluent API; for Apicurio append /apis/ccompat/v7.`,
        );
      }
      const errorCode = registryError.data?.error_code;
      const message = registryError.data?.message ?? errorText(json, answer);
      if (call.accept?.includes(answer.status)) return { ok: false, status: answer.status, errorCode, message };
      throw new RegistryHttpError(method, path, answer.status, errorCode, message);
    }
    if (answer.status < 200) throw notARegistry(call, `HTTP ${answer.status}`);
    if (json === NOT_JSON) throw notARegistry(call, describeNonJson(answer));
    const parsed = call.answer.safeParse(json);
    if (!parsed.success) {
      throw notARegistry(call, `JSON that is not the registry's answer to this request (${excerpt(answer.text)}; ${describeIssue(parsed.error.issues[0])})`);
    }
    return { ok: true, body: parsed.data };
  };

  return {
    url,
    agent,
    async send<T>(call: RegistryCall<T>): Promise<RegistryOutcome<T>> {
      const { method, path, signal } = call;
      const attempts = config.retries + 1;
      let lastError: unknown;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        // A signal of its own per request: the run's signal lives for the whole run, and a listener
        // per request on it would pile up with many requests in flight.
        const attemptSignal = signal ? AbortSignal.any([signal]) : undefined;
        let retryIn = -1;
        try {
          const outcome = interpret(call, await once(method, path, call.body, attemptSignal));
          if (!('retryIn' in outcome)) return outcome;
          lastError = outcome.error;
          retryIn = outcome.retryIn;
          options.log.debug({ method, path, attempt, error: messageOf(outcome.error) }, 'registry answered an error worth retrying');
        } catch (error) {
          if (signal?.aborted) throw signal.reason ?? error;
          if (error instanceof SynchookError) throw error;
          if (isCertificateError(error)) {
            throw new ConfigError(`cannot reach the registry at ${config.url}: TLS certificate check failed (${messageOf(error)}). Set registry.tls.caFile to the CA that signed its certificate.`, { cause: error });
          }
          lastError = error;
          options.log.debug({ method, path, attempt, error: messageOf(error) }, 'registry request failed');
        }
        if (attempt < attempts) {
          const wait = retryIn >= 0 ? retryIn : Math.min(200 * 2 ** (attempt - 1), 2_000);
          await pause(wait, undefined, { signal: signal ? AbortSignal.any([signal]) : undefined }).catch(() => undefined);
        }
      }
      if (lastError instanceof RegistryHttpError && lastError.status === 429) {
        throw new UnreachableError(`the registry at ${url} kept answering 429 Too Many Requests to ${method} /${stripQuery(path)} (after ${attempts} attempts, honouring Retry-After). Run again later, or raise registry.retries or the registry's limits.`, { cause: lastError });
      }
      if (lastError instanceof RegistryHttpError) {
        throw new UnreachableError(`the registry at ${url} kept failing: ${lastError.message} (after ${attempts} attempts). Check the registry's health.`, { cause: lastError });
      }
      throw new UnreachableError(`cannot reach the registry at ${url} (registry.url): ${messageOf(lastError)} (after ${attempts} attempts). Check the URL and that the registry is up.`, { cause: lastError });
    },
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

/**
 * Retry-After as milliseconds from now: delay-seconds or an HTTP-date (RFC 9110, section 10.2.3).
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its day and month ("Wed, 21 Oct 2015 07:28:00 GMT"); anything else is unreadable.
  const at = /^[a-z]{3}, /i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function stripQuery(path: string): string {
  return path.replace(/^\//, '').split('?')[0]!;
}

/** Where a redirect points, without its query (login redirects carry state and tokens there). */
function describeLocation(location: string, base: URL): string {
  try {
    const target = new URL(location, base);
    return `${target.origin}${target.pathname}`;
  } catch {
    return 'an unreadable location';
  }
}

function describeNonJson(answer: RawAnswer): string {
  const isHtml = /html/i.test(answer.contentType) || /^\s*<(!doctype html|html)/i.test(answer.text);
  if (isHtml) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(answer.text)?.[1]?.trim();
    const login = /type=["']?password|\b(log ?in|sign ?in|sso|saml|oauth|openid)\b/i.test(answer.text);
    return `an HTML ${login ? 'login page' : 'page'}${title ? ` ("${title.slice(0, 80)}")` : ''}`;
  }
  if (answer.text.trim() === '') return `an empty answer (HTTP ${answer.status})`;
  return `a non-JSON answer (${answer.contentType || 'no content type'}: ${excerpt(answer.text)})`;
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'unexpected shape';
  const field = issue.path.length > 0 ? issue.path.join('.') : 'the answer';
  if (issue.code === 'invalid_type') return /received undefined/.test(issue.message) ? `${field} is missing` : `${field} should be ${issue.expected}`;
  return `${field}: ${issue.message}`;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

function errorText(json: unknown, answer: RawAnswer): string {
  if (json !== NOT_JSON && json && typeof json === 'object') {
    const message = (json as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    return excerpt(answer.text);
  }
  return answer.text.trim() === '' ? 'no message' : describeNonJson(answer);
}
