import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/**
 * A local stand-in for the GitHub REST API. Every request is checked against GitHub's own OpenAPI
 * description (the @octokit/openapi package): the operation must exist for the method and path,
 * path and query parameters must match their schemas, the JSON body must validate against the
 * operation's request body schema, and it may carry no field the schema does not know. Rules
 * GitHub enforces beyond its description are checked too: a commit status description of at most
 * 140 characters, and at most 1000 statuses per SHA and context. A request GitHub would reject is
 * answered as GitHub would and recorded in `problems()`, which a test asserts to be empty.
 *
 * Implemented operations: commit statuses, repository and commit lookups, the App flow
 * (installation lookup, installation access tokens with RS256 JWT verification), the
 * authenticated user/app, deployments and deployment statuses, check runs.
 */

type Json = Record<string, unknown>;

export type FaultKind = 500 | 502 | 401 | 403 | 422 | 'secondary-rate-limit' | 'status-limit' | 'hang' | 'reset';

export interface Fault {
  kind: FaultKind;
  /** Operation to fail (its operationId); every operation when omitted. */
  operationId?: string;
  /** How many matching requests fail; then the stand-in answers normally again. */
  times?: number;
  /** Seconds in the retry-after header of a secondary rate limit. */
  retryAfter?: number;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  operationId?: string;
  params: Record<string, string>;
  body?: unknown;
  /** "token", "bearer-jwt", "bearer-token" or "none". */
  auth: string;
  status: number;
  fault?: FaultKind;
  problems: string[];
}

export interface CommitStatus {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
  created_at: string;
}

export interface IssueComment {
  id: number;
  repository: string;
  issue: number;
  body: string;
  /** How many times the comment was edited. */
  updates: number;
}

export interface GitHubApp {
  appId: number;
  /** PEM public key (or the private key; its public half is used). */
  key: string | KeyObject;
  installationId: number;
  /** owner/name of the repositories the installation covers. */
  repositories: string[];
}

export interface GitHubStandInOptions {
  /** Which description to validate against: api.github.com (default), ghec, ghes-3.19... */
  spec?: string;
  /** Path prefix of the API: "" for api.github.com, "/api/v3" for GitHub Enterprise Server. */
  basePath?: string;
  /** owner/name of the repositories that exist. */
  repositories?: string[];
  /** Personal access tokens accepted (with push access to every repository). */
  tokens?: string[];
  apps?: GitHubApp[];
  /** GitHub keeps 1000 statuses per SHA and context; tests lower it. */
  statusLimit?: number;
}

export interface GitHubStandIn {
  url: string;
  requests: RecordedRequest[];
  /** Every way a request broke GitHub's contract; a test expects none. */
  problems(): string[];
  statuses(sha?: string): CommitStatus[];
  /** The states each context went through on a SHA, in order. */
  states(sha: string): Record<string, string[]>;
  /** The last state of each context on a SHA. */
  latest(sha: string): Record<string, { state: string; description: string | null; target_url: string | null }>;
  deployments: Array<Json & { id: number; statuses: Json[] }>;
  checkRuns: Array<Json & { id: number }>;
  /** Issue and pull-request comments, in the order they were created. */
  comments: IssueComment[];
  /** Installation access tokens handed out to Apps. */
  issuedTokens(): string[];
  fault(fault: Fault): void;
  clearFaults(): void;
  /** Resolves when the predicate holds over the recorded requests (polling), or rejects after timeoutMs. */
  waitFor(predicate: (standIn: GitHubStandIn) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** GitHub's limit on an issue or pull-request comment body, in characters. */
const COMMENT_LIMIT = 65_536;

function commentBody(comment: IssueComment): Json {
  const [owner, repo] = comment.repository.split('/');
  return { id: comment.id, node_id: `IC_${comment.id}`, body: comment.body, html_url: `https://github.com/${owner}/${repo}/pull/${comment.issue}#issuecomment-${comment.id}`, user: { login: 'synchook', id: 3, type: 'User' } };
}
const specCache = new Map<string, Json>();

function loadSpec(name: string): Json {
  let spec = specCache.get(name);
  if (!spec) {
    const file = require.resolve(`@octokit/openapi/generated/${name}.json`);
    spec = JSON.parse(readFileSync(file, 'utf8')) as Json;
    specCache.set(name, spec);
  }
  return spec;
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  literal: number;
  operation: Json;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Json;
}

/** The request validator for one OpenAPI description: routes, parameters and body schemas. */
class SpecValidator {
  private readonly routes: Route[] = [];
  private readonly bodies = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;

  constructor(private readonly spec: Json) {
    for (const [template, item] of Object.entries(spec.paths as Record<string, Record<string, Json>>)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete', 'head'].includes(method)) continue;
        const names: string[] = [];
        const multi = new Set(((operation.parameters as Json[] | undefined) ?? []).map((p) => this.resolve(p) as unknown as Parameter & { 'x-multi-segment'?: boolean }).filter((p) => p['x-multi-segment']).map((p) => p.name));
        const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_, name: string) => {
          names.push(name);
          return multi.has(name) ? '(.+)' : '([^/]+)';
        });
        this.routes.push({ method: method.toUpperCase(), template, regex: new RegExp(`^${pattern}$`), names, literal: template.replace(/\{[^}]+\}/g, '').length, operation });
      }
    }
    this.routes.sort((a, b) => b.literal - a.literal);
    const addFormats = (addFormatsModule as unknown as { default?: (ajv: Ajv) => void }).default ?? (addFormatsModule as unknown as (ajv: Ajv) => void);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, logger: false });
    addFormats(this.ajv);
  }

  resolve(node: Json): Json {
    let current = node;
    for (let depth = 0; typeof current.$ref === 'string' && depth < 10; depth++) {
      const pointer = (current.$ref as string).replace(/^#\//, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
      current = pointer.reduce<Json>((at, key) => at[key] as Json, this.spec);
    }
    return current;
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | { problem: string } {
    let methodMismatch: Route | undefined;
    for (const route of this.routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      if (route.method !== method) {
        methodMismatch ??= route;
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => (params[name] = decodeURIComponent(found[index + 1]!)));
      return { route, params };
    }
    return { problem: methodMismatch ? `${method} ${path}: GitHub's API has ${methodMismatch.template} but no ${method} on it` : `${method} ${path}: no such path in GitHub's API` };
  }

  check(route: Route, params: Record<string, string>, query: Record<string, string>, rawBody: string, contentType: string | undefined): { problems: string[]; body?: unknown } {
    const problems: string[] = [];
    const where = `${route.method} ${route.template}`;
    const parameters = ((route.operation.parameters as Json[] | undefined) ?? []).map((p) => this.resolve(p) as unknown as Parameter);
    for (const parameter of parameters.filter((p) => p.in === 'path')) {
      const value = params[parameter.name];
      if (value === undefined || value === '') problems.push(`${where}: path parameter ${parameter.name} is missing`);
      else problems.push(...this.scalarProblems(`${where}: path parameter ${parameter.name}`, value, parameter.schema));
    }
    for (const [name, value] of Object.entries(query)) {
      const parameter = parameters.find((p) => p.in === 'query' && p.name === name);
      if (!parameter) problems.push(`${where}: unknown query parameter ${name}`);
      else problems.push(...this.scalarProblems(`${where}: query parameter ${name}`, value, parameter.schema));
    }
    for (const parameter of parameters.filter((p) => p.in === 'query' && p.required)) {
      if (!(parameter.name in query)) problems.push(`${where}: required query parameter ${parameter.name} is missing`);
    }
    const requestBody = route.operation.requestBody ? this.resolve(route.operation.requestBody as Json) : undefined;
    if (rawBody.length === 0) {
      if (requestBody?.required) problems.push(`${where}: the request body is required`);
      return { problems };
    }
    if (!requestBody) {
      problems.push(`${where}: takes no request body`);
      return { problems };
    }
    if (!contentType?.startsWith('application/json')) problems.push(`${where}: content-type is ${contentType ?? 'missing'}, expected application/json`);
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      problems.push(`${where}: the body is not JSON`);
      return { problems };
    }
    const schema = ((requestBody.content as Json)['application/json'] as Json | undefined)?.schema as Json | undefined;
    if (!schema) return { problems, body };
    const validate = this.bodyValidator(`${route.method} ${route.template}`, schema);
    if (!validate(body)) {
      for (const error of validate.errors ?? []) problems.push(`${where}: body${error.instancePath || ''} ${error.message ?? 'is invalid'}${error.params && 'allowedValues' in error.params ? ` (${(error.params.allowedValues as unknown[]).join(', ')})` : ''}`);
    }
    const resolved = this.resolve(schema);
    if (resolved.type === 'object' && resolved.properties && body && typeof body === 'object' && !Array.isArray(body)) {
      for (const key of Object.keys(body)) {
        if (!(key in (resolved.properties as Json))) problems.push(`${where}: body field "${key}" is not in GitHub's schema`);
      }
    }
    return { problems, body };
  }

  private bodyValidator(key: string, schema: Json): ValidateFunction {
    let validate = this.bodies.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...schema, components: this.componentsFor(schema) });
      this.bodies.set(key, validate);
    }
    return validate;
  }

  /** Only the components a schema reaches, so that compiling stays fast. */
  private componentsFor(schema: Json): Json {
    const components: Record<string, Json> = {};
    const seen = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const record = node as Json;
      if (typeof record.$ref === 'string' && !seen.has(record.$ref)) {
        seen.add(record.$ref);
        const [, section, name] = (record.$ref as string).replace(/^#\//, '').split('/');
        const target = this.resolve({ $ref: record.$ref });
        (components[section!] ??= {})[name!] = target;
        walk(target);
      }
      for (const value of Object.values(record)) walk(value);
    };
    walk(schema);
    return components;
  }

  private scalarProblems(what: string, value: string, schema: Json | undefined): string[] {
    if (!schema) return [];
    const resolved = this.resolve(schema);
    if (resolved.type === 'integer' && !/^-?\d+$/.test(value)) return [`${what}: "${value}" is not an integer`];
    if (resolved.type === 'boolean' && !['true', 'false'].includes(value)) return [`${what}: "${value}" is not a boolean`];
    if (Array.isArray(resolved.enum) && !resolved.enum.includes(value)) return [`${what}: "${value}" is not one of ${resolved.enum.join(', ')}`];
    return [];
  }
}

const validators = new Map<string, SpecValidator>();
function validatorFor(spec: string): SpecValidator {
  let validator = validators.get(spec);
  if (!validator) {
    validator = new SpecValidator(loadSpec(spec));
    validators.set(spec, validator);
  }
  return validator;
}

type KnownApp = GitHubApp & { publicKey: KeyObject };

interface Caller {
  kind: 'token' | 'installation' | 'app' | 'none' | 'invalid';
  token?: string;
  app?: KnownApp;
  problem?: string;
}

const DOCS = 'https://docs.github.com/rest';

export async function startGitHubStandIn(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const validator = validatorFor(options.spec ?? 'api.github.com');
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const repositories = new Set((options.repositories ?? ['acme/orders']).map((name) => name.toLowerCase()));
  const tokens = new Set(options.tokens ?? []);
  const apps: KnownApp[] = (options.apps ?? []).map((app) => ({ ...app, publicKey: createPublicKey(app.key) }));
  const installationTokens = new Map<string, KnownApp>();
  const statusLimit = options.statusLimit ?? 1000;
  const requests: RecordedRequest[] = [];
  const statuses: CommitStatus[] = [];
  const deployments: GitHubStandIn['deployments'] = [];
  const checkRuns: GitHubStandIn['checkRuns'] = [];
  const comments: IssueComment[] = [];
  let faults: Array<Fault & { left: number }> = [];
  let nextId = 1;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const authenticate = (header: string | undefined): Caller => {
    if (!header) return { kind: 'none' };
    const [scheme, value] = header.split(/\s+/, 2) as [string, string | undefined];
    if (!value || !/^(token|bearer)$/i.test(scheme)) return { kind: 'invalid', problem: `authorization header "${scheme} …" is neither token nor Bearer` };
    if (tokens.has(value)) return { kind: 'token', token: value };
    const installation = installationTokens.get(value);
    if (installation) return { kind: 'installation', token: value, app: installation };
    if (/^bearer$/i.test(scheme) && value.split('.').length === 3) {
      const app = verifyJwt(value, apps);
      if (app) return { kind: 'app', app };
    }
    return { kind: 'invalid' };
  };

  const canWrite = (caller: Caller, repository: string) =>
    caller.kind === 'token' || (caller.kind === 'installation' && caller.app!.repositories.map((name) => name.toLowerCase()).includes(repository));

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        send(res, 500, { message: `stand-in failure: ${(error as Error).message}` });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-request-id': randomBytes(4).toString('hex'), ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { at: Date.now(), method, path: url.pathname, query: Object.fromEntries(url.searchParams), params: {}, auth: 'none', status: 0, problems: [] };
    requests.push(record);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status;
      send(res, status, body, headers);
    };
    if (basePath && !url.pathname.startsWith(`${basePath}/`)) {
      record.problems.push(`${method} ${url.pathname}: outside the API base path ${basePath}`);
      return reply(404, { message: 'Not Found', documentation_url: DOCS });
    }
    const path = url.pathname.slice(basePath.length);
    const matched = validator.match(method, path);
    if ('problem' in matched) {
      record.problems.push(matched.problem);
      return reply(404, { message: 'Not Found', documentation_url: DOCS });
    }
    const { route, params } = matched;
    record.operationId = route.operation.operationId as string;
    record.params = params;
    const checked = validator.check(route, params, record.query, rawBody, req.headers['content-type']);
    record.body = checked.body;
    record.problems.push(...checked.problems);
    if (checked.problems.length > 0) {
      return reply(422, { message: 'Invalid request.', errors: checked.problems, documentation_url: DOCS });
    }

    const caller = authenticate(req.headers.authorization);
    record.auth = caller.kind === 'app' ? 'bearer-jwt' : caller.kind === 'installation' ? 'bearer-token' : caller.kind;
    if (caller.problem) record.problems.push(caller.problem);

    const fault = faults.find((candidate) => candidate.left > 0 && (!candidate.operationId || candidate.operationId === record.operationId));
    if (fault) {
      fault.left -= 1;
      record.fault = fault.kind;
      return applyFault(fault, res, reply);
    }
    if (caller.kind === 'none' || caller.kind === 'invalid') {
      return reply(401, { message: caller.kind === 'none' ? 'Requires authentication' : 'Bad credentials', documentation_url: DOCS, status: '401' });
    }

    const repository = params.owner && params.repo ? `${params.owner}/${params.repo}`.toLowerCase() : undefined;
    const operationId = record.operationId;
    const appOnly = ['apps/get-repo-installation', 'apps/create-installation-access-token', 'apps/get-authenticated'];
    if (appOnly.includes(operationId) !== (caller.kind === 'app')) {
      if (caller.kind === 'app') return reply(401, { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' });
      return reply(401, { message: `${operationId} needs a GitHub App JWT`, documentation_url: DOCS, status: '401' });
    }
    if (repository && !repositories.has(repository)) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });

    switch (operationId) {
      case 'repos/get': {
        const [owner, name] = repository!.split('/');
        return reply(200, { id: 1, node_id: 'R_1', name, full_name: `${owner}/${name}`, private: true, owner: { login: owner, id: 2, type: 'Organization' }, default_branch: 'main', permissions: { admin: false, maintain: false, push: caller.kind === 'token', triage: false, pull: true } }, caller.kind === 'token' ? { 'x-oauth-scopes': 'repo:status' } : {});
      }
      case 'repos/get-commit': {
        const ref = params.ref!;
        if (!/^[0-9a-f]{40}$/.test(ref)) return reply(422, { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS, status: '422' });
        return reply(200, { sha: ref, node_id: 'C_1', commit: { message: 'a commit' }, html_url: `https://github.com/${repository}/commit/${ref}` });
      }
      case 'repos/create-commit-status': {
        if (!canWrite(caller, repository!)) return reply(403, { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' });
        const body = checked.body as { state: string; context?: string; description?: string | null; target_url?: string | null };
        const sha = params.sha!;
        if (!/^[0-9a-f]{40}$/i.test(sha)) {
          record.problems.push(`statuses/${sha}: not a full commit SHA`);
          return reply(422, { message: `No commit found for SHA: ${sha}`, documentation_url: DOCS, status: '422' });
        }
        // GitHub's limits beyond the OpenAPI description.
        if (body.description && [...body.description].length > 140) {
          record.problems.push(`statuses/${sha}: description is ${[...body.description].length} characters; GitHub allows 140`);
          return reply(422, { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' }], documentation_url: DOCS, status: '422' });
        }
        const context = body.context ?? 'default';
        const [owner, repo] = repository!.split('/') as [string, string];
        const existing = statuses.filter((status) => status.sha === sha.toLowerCase() && status.context.toLowerCase() === context.toLowerCase() && `${status.owner}/${status.repo}` === repository).length;
        if (existing >= statusLimit) return reply(422, statusLimitBody());
        const status: CommitStatus = { id: nextId++, owner, repo, sha: sha.toLowerCase(), state: body.state, context, description: body.description ?? null, target_url: body.target_url ?? null, created_at: new Date().toISOString() };
        statuses.push(status);
        return reply(201, { url: `https://api.github.com/repos/${repository}/statuses/${sha}`, id: status.id, node_id: `SC_${status.id}`, state: status.state, description: status.description, target_url: status.target_url, context, created_at: status.created_at, updated_at: status.created_at, avatar_url: null, creator: null });
      }
      case 'apps/get-repo-installation': {
        const app = caller.app!;
        if (!app.repositories.map((name) => name.toLowerCase()).includes(repository!)) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
        return reply(200, { id: app.installationId, app_id: app.appId, account: { login: repository!.split('/')[0] }, target_type: 'Organization', permissions: { statuses: 'write', checks: 'write' }, repository_selection: 'selected' });
      }
      case 'apps/create-installation-access-token': {
        const app = caller.app!;
        if (Number(params.installation_id) !== app.installationId) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        installationTokens.set(token, app);
        return reply(201, { token, expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: { statuses: 'write', checks: 'write', deployments: 'write' }, repository_selection: 'selected' });
      }
      case 'apps/get-authenticated':
        return reply(200, { id: caller.app!.appId, slug: `synchook-test-${caller.app!.appId}`, name: 'synchook test app', owner: { login: 'acme' } });
      case 'users/get-authenticated':
        if (caller.kind !== 'token') return reply(403, { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' });
        return reply(200, { login: 'deploy-bot', id: 3, type: 'User' }, { 'x-oauth-scopes': 'repo:status' });
      case 'repos/create-deployment': {
        const body = checked.body as Json;
        const deployment = { id: nextId++, ...body, statuses: [] as Json[], created_at: new Date().toISOString() };
        deployments.push(deployment);
        return reply(201, { id: deployment.id, sha: body.ref, ref: body.ref, environment: body.environment ?? 'production', task: body.task ?? 'deploy', created_at: deployment.created_at });
      }
      case 'repos/list-deployments': {
        const found = deployments.filter((d) => (!record.query.sha || d.ref === record.query.sha) && (!record.query.environment || d.environment === record.query.environment)).reverse();
        return reply(200, found.map((d) => ({ id: d.id, sha: d.ref, ref: d.ref, environment: d.environment, task: d.task ?? 'deploy', created_at: d.created_at })));
      }
      case 'repos/create-deployment-status': {
        const deployment = deployments.find((d) => d.id === Number(params.deployment_id));
        if (!deployment) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
        const body = checked.body as Json;
        if (typeof body.description === 'string' && [...body.description].length > 140) {
          record.problems.push('deployment status description longer than 140 characters');
          return reply(422, { message: 'Validation Failed', errors: [{ resource: 'DeploymentStatus', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' }] });
        }
        deployment.statuses.push(body);
        return reply(201, { id: nextId++, state: body.state, description: body.description ?? '' });
      }
      case 'checks/create': {
        if (caller.kind !== 'installation') return reply(403, { message: 'You must authenticate via a GitHub App.', documentation_url: DOCS, status: '403' });
        const run: Json & { id: number } = { id: nextId++, ...(checked.body as Json) };
        checkRuns.push(run);
        return reply(201, { id: run.id, head_sha: run.head_sha, name: run.name, status: run.status ?? 'queued' });
      }
      case 'checks/update': {
        const run = checkRuns.find((candidate) => candidate.id === Number(params.check_run_id));
        if (!run) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
        Object.assign(run, checked.body as Json);
        return reply(200, { id: run.id, head_sha: run.head_sha, name: run.name, status: run.status, conclusion: run.conclusion ?? null });
      }
      case 'issues/list-comments': {
        const perPage = Number(record.query.per_page ?? 30);
        const page = Number(record.query.page ?? 1);
        const all = comments.filter((comment) => comment.repository === repository && comment.issue === Number(params.issue_number));
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const link = page * perPage < all.length ? { link: `<${standIn.url}${path}?per_page=${perPage}&page=${page + 1}>; rel="next"` } : undefined;
        return reply(200, slice.map((comment) => commentBody(comment)), link);
      }
      case 'issues/create-comment':
      case 'issues/update-comment': {
        if (!canWrite(caller, repository!)) return reply(403, { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' });
        const body = (checked.body as { body: string }).body;
        // GitHub refuses a comment body over 65,536 characters ("Body is too long (maximum is 65536 characters)").
        if (body.length > COMMENT_LIMIT) {
          record.problems.push(`${operationId}: body of ${body.length} characters is over GitHub's limit of ${COMMENT_LIMIT}`);
          return reply(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: 'Body is too long (maximum is 65536 characters)' }], documentation_url: DOCS, status: '422' });
        }
        if (operationId === 'issues/create-comment') {
          const comment: IssueComment = { id: nextId++, repository: repository!, issue: Number(params.issue_number), body, updates: 0 };
          comments.push(comment);
          return reply(201, commentBody(comment));
        }
        const comment = comments.find((candidate) => candidate.repository === repository && candidate.id === Number(params.comment_id));
        if (!comment) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
        comment.body = body;
        comment.updates += 1;
        return reply(200, commentBody(comment));
      }
      default:
        record.problems.push(`${operationId}: valid for GitHub, but this stand-in does not implement it`);
        return reply(501, { message: `not implemented by the stand-in: ${operationId}` });
    }
  }

  function applyFault(fault: Fault, res: ServerResponse, reply: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    switch (fault.kind) {
      case 'hang':
        hanging.add(res);
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'secondary-rate-limit':
        // Shape of GitHub's answer: 403, retry-after, a message naming the secondary rate limit.
        return reply(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits', status: '403' }, { 'retry-after': String(fault.retryAfter ?? 1) });
      case 'status-limit':
        return reply(422, statusLimitBody());
      case 401:
        return reply(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      case 403:
        return reply(403, { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' });
      case 422:
        return reply(422, { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'custom', message: 'Validation failed for an unknown reason' }], documentation_url: DOCS, status: '422' });
      default:
        return reply(fault.kind, { message: fault.kind === 500 ? 'Server Error' : 'Bad Gateway' });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const standIn: GitHubStandIn = {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    deployments,
    checkRuns,
    comments,
    issuedTokens: () => [...installationTokens.keys()],
    problems: () => requests.flatMap((request) => request.problems),
    statuses: (sha) => statuses.filter((status) => !sha || status.sha === sha.toLowerCase()),
    states(sha) {
      const out: Record<string, string[]> = {};
      for (const status of standIn.statuses(sha)) (out[status.context] ??= []).push(status.state);
      return out;
    },
    latest(sha) {
      const out: Record<string, { state: string; description: string | null; target_url: string | null }> = {};
      for (const status of standIn.statuses(sha)) out[status.context] = { state: status.state, description: status.description, target_url: status.target_url };
      return out;
    },
    fault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    async waitFor(predicate, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(standIn)) {
        if (Date.now() > until) throw new Error(`the GitHub stand-in did not see the expected requests within ${timeoutMs} ms; it saw: ${requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return standIn;
}

function statusLimitBody(): Json {
  return { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'custom', message: 'This SHA and context has reached the maximum number of statuses.' }], documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status', status: '422' };
}

/** Verifies an App JWT as GitHub does: RS256 signed by the App's key, iss = App ID, not expired, at most 10 minutes long. */
function verifyJwt<T extends { appId: number; publicKey: KeyObject }>(jwt: string, apps: T[]): T | undefined {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  let claims: { iss?: string | number; exp?: number; iat?: number };
  let head: { alg?: string };
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  if (head.alg !== 'RS256') return undefined;
  const app = apps.find((candidate) => String(candidate.appId) === String(claims.iss));
  if (!app) return undefined;
  const valid = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), app.publicKey, Buffer.from(signature, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  if (!valid || !claims.exp || claims.exp < now || !claims.iat || claims.exp - claims.iat > 600 + 60) return undefined;
  return app;
}

/**
 * One stand-in for the test file: started before its tests, closed after them, and after each
 * test no request GitHub would have refused, and no fault left for the next test. Returns the
 * running stand-in (call it inside a test).
 */
export function useGitHubStandIn(options: GitHubStandInOptions = {}): () => GitHubStandIn {
  let gh: GitHubStandIn | undefined;
  beforeAll(async () => {
    gh = await startGitHubStandIn(options);
  });
  afterAll(async () => {
    await gh?.close();
  });
  afterEach(() => {
    expect(gh!.problems()).toEqual([]);
    gh!.clearFaults();
  });
  return () => gh!;
}
