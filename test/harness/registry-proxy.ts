/**
 * An HTTP reverse proxy in front of the real registry, for what the registry itself cannot do in a
 * test: require HTTP basic auth like a secured Confluent Schema Registry, and fail on cue (5xx,
 * slow or hanging responses, connection resets) so that retries and deadlines can be tested. It
 * records every request it sees.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type RegistryFault =
  /** Answer with this status and a Confluent-style error body; the registry never sees the request. */
  | { kind: 'status'; status: number; errorCode?: number; message?: string; retryAfterSeconds?: number; retryAfterDate?: () => Date }
  /** Forward the request after waiting this long. */
  | { kind: 'delay'; ms: number }
  /** Read the request and never answer, until the client gives up or the proxy stops. */
  | { kind: 'hang' }
  /** Reset the TCP connection (RST) without answering; the client sees ECONNRESET. */
  | { kind: 'reset' };

export interface FaultRule {
  fault: RegistryFault;
  /** Only requests with this method (case-insensitive). */
  method?: string;
  /** Only requests whose path (relative to the target's base path, without query) matches. */
  path?: string | RegExp;
  /** How many matching requests this rule applies to; default 1. Use Infinity for every request. */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  /** Relative to the target's base path, e.g. /subjects/orders-value/versions */
  path: string;
  /** The query string without '?', or '' */
  query: string;
  /** The fault applied, or 'unauthorized', or 'forwarded'. */
  outcome: RegistryFault['kind'] | 'unauthorized' | 'forwarded';
  /** Status sent to the client; undefined for hang and reset. */
  status?: number;
  /** When the proxy received it (Date.now()). */
  at: number;
}

export interface RegistryProxyOptions {
  /** The registry's Confluent API, e.g. http://127.0.0.1:41234/apis/ccompat/v7 */
  target: string;
  basicAuth?: { username: string; password: string };
  faults?: FaultRule[];
}

export interface StartedRegistryProxy {
  /** Same path as the target on the proxy's port, e.g. http://127.0.0.1:45678/apis/ccompat/v7 */
  url: string;
  /** Every request seen, oldest first, including rejected and faulted ones. */
  readonly requests: readonly ProxiedRequest[];
  /** Replaces the fault script; rules are tried in order and the first matching one with uses left applies. */
  setFaults(rules: FaultRule[]): void;
  /** Forgets the requests seen so far. */
  clearRequests(): void;
  stop(): Promise<void>;
}

const CONFLUENT_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export async function startRegistryProxy(options: RegistryProxyOptions): Promise<StartedRegistryProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`registry proxy: target ${options.target} must be an http:// URL of the registry's Confluent API.`);
  const basePath = target.pathname.replace(/\/+$/, '');
  const expectedAuthorization = options.basicAuth
    ? `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`
    : undefined;
  let rules = armRules(options.faults ?? []);
  const requests: ProxiedRequest[] = [];
  const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 16 });
  const openSockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const requestUrl = new URL(req.url ?? '/', 'http://proxy.invalid');
    const relativePath = requestUrl.pathname.startsWith(basePath) ? requestUrl.pathname.slice(basePath.length) || '/' : requestUrl.pathname;
    const record: ProxiedRequest = { method: req.method ?? 'GET', path: relativePath, query: requestUrl.search.replace(/^\?/, ''), outcome: 'forwarded', at: Date.now() };
    requests.push(record);

    // Faults come first: they stand for the network and load balancer in front of the registry.
    const fault = takeFault(rules, record);
    if (fault) {
      record.outcome = fault.kind;
      switch (fault.kind) {
        case 'status':
          req.resume();
          record.status = fault.status;
          sendError(res, fault.status, fault.errorCode ?? defaultErrorCode(fault.status), fault.message ?? defaultMessage(fault.status), fault.retryAfterDate?.().toUTCString() ?? fault.retryAfterSeconds);
          return;
        case 'reset':
          req.socket.resetAndDestroy();
          return;
        case 'hang':
          req.resume();
          return;
        case 'delay': {
          const timer = setTimeout(() => authorizeAndForward(req, res, record), fault.ms);
          res.on('close', () => clearTimeout(timer));
          return;
        }
      }
    }
    authorizeAndForward(req, res, record);
  });

  function authorizeAndForward(req: IncomingMessage, res: ServerResponse, record: ProxiedRequest): void {
    if (res.destroyed) return;
    if (expectedAuthorization && req.headers.authorization !== expectedAuthorization) {
      req.resume();
      record.outcome = 'unauthorized';
      record.status = 401;
      // Confluent Schema Registry answers a missing or wrong basic-auth header this way.
      res.setHeader('WWW-Authenticate', 'Basic realm="SchemaRegistry"');
      sendError(res, 401, 401, 'Unauthorized');
      return;
    }
    const headers = { ...req.headers, host: target.host };
    // The proxy terminates authentication; the registry behind it runs without any.
    delete headers.authorization;
    const upstream = httpRequest(
      { protocol: 'http:', hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: upstreamAgent },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      record.status = 502;
      sendError(res, 502, 50003, `registry proxy: the registry at ${target.origin} did not answer: ${error.message}`);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('registry proxy: could not read the port it listens on.');
  const url = `http://127.0.0.1:${address.port}${basePath}`;

  return {
    url,
    get requests() {
      return requests;
    },
    setFaults(next) {
      rules = armRules(next);
    },
    clearRequests() {
      requests.length = 0;
    },
    async stop() {
      // Hanging requests keep their sockets open; close them so stop() does not wait for clients.
      for (const socket of openSockets) socket.destroy();
      upstreamAgent.destroy();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

interface ArmedRule extends FaultRule {
  remaining: number;
}

function armRules(rules: FaultRule[]): ArmedRule[] {
  return rules.map((rule) => ({ ...rule, remaining: rule.times ?? 1 }));
}

function takeFault(rules: ArmedRule[], request: ProxiedRequest): RegistryFault | undefined {
  const rule = rules.find(
    (r) =>
      r.remaining > 0 &&
      (!r.method || r.method.toUpperCase() === request.method.toUpperCase()) &&
      (!r.path || (typeof r.path === 'string' ? r.path === request.path : r.path.test(request.path))),
  );
  if (!rule) return undefined;
  rule.remaining -= 1;
  return rule.fault;
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110, section 10.2.3). */
function sendError(res: ServerResponse, status: number, errorCode: number, message: string, retryAfter?: number | string): void {
  const body = JSON.stringify({ error_code: errorCode, message });
  res.statusCode = status;
  res.setHeader('Content-Type', CONFLUENT_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  res.end(body);
}

/** Confluent's error codes extend the HTTP status with two digits; 50001 is its backend store error. */
function defaultErrorCode(status: number): number {
  return status === 500 ? 50001 : status;
}

function defaultMessage(status: number): string {
  if (status === 500) return 'Error in the backend data store';
  if (status === 503) return 'Service unavailable';
  if (status === 429) return 'Too Many Requests';
  return `HTTP ${status}`;
}
