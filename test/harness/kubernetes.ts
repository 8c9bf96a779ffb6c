import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestCertificates } from './certs.js';
import { trackBroker as trackChildProcess, waitForExit } from './kafka.js';
import { findFreePorts } from './ports.js';

/**
 * A real Kubernetes control plane for the tests: etcd and kube-apiserver (built from the Go module
 * proxy by scripts/install-kube-apiserver.sh) on free ports of 127.0.0.1, with data in a temporary
 * folder. What a cluster enforces and the tests rely on:
 * - authorization by RBAC (and the Node authorizer, as kubeadm configures it);
 * - ServiceAccount tokens issued by the API server (TokenRequest), signed with a throwaway key;
 * - Pod Security admission at `restricted` for every namespace but kube-system (enforce, audit and
 *   warn), so a pod that would not run under `restricted` is refused;
 * - an administrator: a static bearer token in the group system:masters.
 * No controller manager, scheduler or kubelet runs: objects are stored and validated, nothing is
 * reconciled (a Job creates no pod; the tests create the pod a Job would).
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const STOP_GRACE_MS = 15_000;

export interface KubernetesBinaries {
  kubeApiserver: string;
  etcd: string;
}

let installed: KubernetesBinaries | undefined;

/** Builds (first time, minutes) or finds (cached) kube-apiserver and etcd. */
export function ensureKubernetesInstalled(): KubernetesBinaries {
  if (!installed) {
    const binDir = execFileSync('bash', [join(REPO, 'scripts/install-kube-apiserver.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    installed = { kubeApiserver: join(binDir, 'kube-apiserver'), etcd: join(binDir, 'etcd') };
  }
  return installed;
}

let crdDir: string | undefined;

/** The folder of published CRDs (one sub-folder per project) from scripts/install-kubernetes-crds.sh. */
export function ensureCrdsFetched(): string {
  crdDir ??= execFileSync('bash', [join(REPO, 'scripts/install-kubernetes-crds.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return crdDir;
}

export type Json = Record<string, any>;

export interface KubernetesResponse<T = Json> {
  status: number;
  body: T;
  /** The API server's Warning headers (Pod Security warnings, deprecations), text only. */
  warnings: string[];
}

export interface RequestOptions {
  /** Bearer token; the administrator's when not given. */
  token?: string;
  contentType?: string;
  query?: Record<string, string>;
}

export interface KubernetesResource {
  /** Plural resource name, e.g. "applications". */
  name: string;
  namespaced: boolean;
  /** The API path prefix: /api/v1 or /apis/<group>/<version>. */
  prefix: string;
}

/** Where the API server listens and how to reach it as the administrator; serializable. */
export interface KubernetesInfo {
  /** https://127.0.0.1:<port> */
  url: string;
  host: string;
  port: number;
  caFile: string;
  caPem: string;
  /** Bearer token of a user in system:masters. */
  adminToken: string;
  version: string;
}

export interface KubernetesClient {
  request<T = Json>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<KubernetesResponse<T>>;
  /** The resource of a kind, from the API server's discovery (asked again for a group version not seen yet). */
  resourceOf(apiVersion: string, kind: string): Promise<KubernetesResource | undefined>;
  /** Server-side apply of one object; the response is returned whatever its status. */
  apply(object: Json, options: { fieldManager: string; force?: boolean; dryRun?: boolean; namespace?: string; token?: string }): Promise<KubernetesResponse>;
  /** Creates a namespace whose pods must meet Pod Security `restricted` (labels, as a platform team sets them), with its "default" ServiceAccount. */
  createNamespace(name: string): Promise<void>;
  /**
   * Creates the namespace's "default" ServiceAccount, as the controller manager (not running here)
   * would: the ServiceAccount admission refuses a pod whose ServiceAccount does not exist.
   */
  ensureDefaultServiceAccount(namespace: string): Promise<void>;
  /** Applies CustomResourceDefinitions and waits until the API server serves each of them. */
  installCrds(crds: Json[]): Promise<void>;
  /** A token for a ServiceAccount from the TokenRequest API, bound to a pod when one is given (as the kubelet asks for it). */
  issueToken(namespace: string, serviceAccount: string, options?: { boundPod?: { name: string; uid: string }; expirationSeconds?: number }): Promise<string>;
  /** A kubeconfig for this API server with the given token (the administrator's by default). */
  writeKubeconfig(dir: string, options?: { token?: string; namespace?: string }): Promise<string>;
}

export interface StartedKubernetes extends KubernetesInfo, KubernetesClient {
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartKubernetesOptions {
  /** How long etcd and then the API server may take to become ready; 180 s by default (a loaded two-core machine). */
  startTimeoutMs?: number;
}

class AddressInUseError extends Error {}

export async function startKubernetes(options: StartKubernetesOptions = {}): Promise<StartedKubernetes> {
  const binaries = ensureKubernetesInstalled();
  // Free ports can be taken by another process before etcd or the API server binds them.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaries, options);
    } catch (error) {
      if (!(error instanceof AddressInUseError) || attempt >= 3) throw error;
    }
  }
}

async function startOnce(binaries: KubernetesBinaries, options: StartKubernetesOptions): Promise<StartedKubernetes> {
  const timeoutMs = options.startTimeoutMs ?? 180_000;
  const dataDir = await mkdtemp(join(tmpdir(), 'synchook-kubernetes-'));
  const file = (name: string) => join(dataDir, name);
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    // The API server first: it would log etcd errors while etcd stops.
    for (const child of [...children].reverse()) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_GRACE_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, 10_000);
      }
    }
    children.length = 0;
  };

  try {
    const [[etcdClientPort, etcdPeerPort, apiPort], certs] = await Promise.all([findFreePorts(3), createTestCertificates(join(dataDir, 'certs'))]);
    const adminToken = `admin-${randomBytes(16).toString('hex')}`;
    // ServiceAccount tokens are JWTs signed with this key; the API server verifies them with the public half.
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('service-account.key')]);
    await run('openssl', ['pkey', '-in', file('service-account.key'), '-pubout', '-out', file('service-account.pub')]);
    // Static token file: token,user,uid,"groups" (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file).
    await writeFile(file('tokens.csv'), `${adminToken},synchook-test-admin,synchook-test-admin,"system:masters"\n`, { mode: 0o600 });
    await writeFile(file('admission.yaml'), ADMISSION_CONFIGURATION);

    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcd = launch(binaries.etcd, [
      '--name=synchook-test',
      `--data-dir=${file('etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=synchook-test=http://127.0.0.1:${etcdPeerPort}`,
      // Throwaway data: no fsync keeps a loaded machine's disk out of the API server's latency.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ], file('etcd.log'), dataDir);
    children.push(etcd);
    await waitUntil(`etcd at ${etcdUrl}`, etcd, file('etcd.log'), timeoutMs, async () => (await httpGet(`${etcdUrl}/health`)).includes('"health":"true"'));

    const apiserver = launch(binaries.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${certs.serverCertFile}`,
      `--tls-private-key-file=${certs.serverKeyFile}`,
      `--client-ca-file=${certs.caFile}`,
      `--token-auth-file=${file('tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--anonymous-auth=false',
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${file('service-account.pub')}`,
      `--service-account-signing-key-file=${file('service-account.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      `--admission-control-config-file=${file('admission.yaml')}`,
      '--allow-privileged=false',
      '--profiling=false',
      // No nodes ever register: the endpoints of the "kubernetes" Service need not be kept.
      '--endpoint-reconciler-type=none',
      '--v=1',
    ], file('kube-apiserver.log'), dataDir);
    children.push(apiserver);
    const url = `https://127.0.0.1:${apiPort}`;
    const client = connectKubernetes({ url, host: '127.0.0.1', port: apiPort!, caFile: certs.caFile, caPem: certs.caPem, adminToken, version: 'unknown' });
    await waitUntil(`kube-apiserver at ${url}`, apiserver, file('kube-apiserver.log'), timeoutMs, async () => (await client.request('GET', '/readyz')).status === 200);
    const version = ((await client.request<{ gitVersion?: string }>('GET', '/version')).body.gitVersion ?? 'unknown').replace(/^v/, '');

    let stopped = false;
    return {
      url,
      host: '127.0.0.1',
      port: apiPort!,
      caFile: certs.caFile,
      caPem: certs.caPem,
      adminToken,
      version,
      dataDir,
      ...client,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

// Pod Security admission at `restricted` by default, for every mode; kube-system is exempt as in a
// real cluster. Format: https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-admission-controller/
const ADMISSION_CONFIGURATION = `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults:
        enforce: restricted
        enforce-version: latest
        audit: restricted
        audit-version: latest
        warn: restricted
        warn-version: latest
      exemptions:
        usernames: []
        runtimeClasses: []
        namespaces: [kube-system]
`;

function launch(binary: string, args: string[], logFile: string, dataDir: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { cwd: dataDir, stdio: ['ignore', fd, fd] });
    // Killed, and the data deleted, if this test process dies without stop().
    trackChildProcess(child, dataDir);
    return child;
  } finally {
    closeSync(fd);
  }
}

async function waitUntil(what: string, child: ChildProcess, logFile: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (/address already in use/.test(log)) throw new AddressInUseError(`${what}: address already in use`);
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready. Last lines of ${logFile}:\n${log.trimEnd().split('\n').slice(-20).join('\n')}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`${what} was not ready within ${timeoutMs / 1000} s. Last lines of ${logFile}:\n${log.trimEnd().split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function httpGet(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.text();
}

/** A client of a running API server (one started by startKubernetes, possibly in another process). */
export function connectKubernetes(info: KubernetesInfo): KubernetesClient {
  const { url, caPem, caFile, adminToken } = info;
  const request = <T = Json>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<KubernetesResponse<T>> => {
    const target = new URL(path, url);
    for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, value);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(target, {
        method,
        ca: caPem,
        headers: {
          authorization: `Bearer ${options.token ?? adminToken}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: 60_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // /readyz and /healthz answer plain text.
          }
          const header = res.headers.warning;
          // Warning: 299 - "text" (RFC 7234 5.5, as the API server writes it).
          const warnings = (Array.isArray(header) ? header : header ? [header] : []).map((value) => value.replace(/^\d{3} \S+ "(.*)"$/, '$1'));
          resolve({ status: res.statusCode ?? 0, body: parsed as T, warnings });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${target.pathname}: no answer within 60 s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  };

  const discovered = new Map<string, Array<KubernetesResource & { kind: string }>>();
  const resourceOf = async (apiVersion: string, kind: string): Promise<KubernetesResource | undefined> => {
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const find = () => discovered.get(apiVersion)?.find((resource) => resource.kind === kind);
    if (!find()) {
      const response = await request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', prefix);
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw new Error(`discovery of ${apiVersion}: ${response.status} ${JSON.stringify(response.body)}`);
      discovered.set(apiVersion, (response.body.resources ?? []).filter((resource) => !resource.name.includes('/')).map((resource) => ({ ...resource, prefix })));
    }
    const found = find();
    return found ? { name: found.name, namespaced: found.namespaced, prefix: found.prefix } : undefined;
  };

  const apply: KubernetesClient['apply'] = async (object, options) => {
    const resource = await resourceOf(object.apiVersion, object.kind);
    if (!resource) throw new Error(`the API server serves no kind ${object.kind} in ${object.apiVersion}`);
    const namespace = resource.namespaced ? (object.metadata?.namespace ?? options.namespace) : undefined;
    if (resource.namespaced && !namespace) throw new Error(`${object.kind} ${object.metadata?.name}: namespaced, and no namespace given`);
    const path = `${resource.prefix}${namespace ? `/namespaces/${namespace}` : ''}/${resource.name}/${encodeURIComponent(object.metadata.name)}`;
    const query: Record<string, string> = { fieldManager: options.fieldManager, fieldValidation: 'Strict' };
    if (options.force) query.force = 'true';
    if (options.dryRun) query.dryRun = 'All';
    // Server-side apply: https://kubernetes.io/docs/reference/using-api/server-side-apply/ (JSON is YAML).
    return request('PATCH', path, { ...object, metadata: { ...object.metadata, ...(namespace ? { namespace } : {}) } }, { contentType: 'application/apply-patch+yaml', query, token: options.token });
  };

  const ensureDefaultServiceAccount = async (namespace: string) => {
    const response = await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } }, { fieldManager: 'synchook-test-setup' });
    if (response.status >= 300) throw new Error(`creating ServiceAccount ${namespace}/default: ${response.status} ${JSON.stringify(response.body)}`);
  };

  return {
    request,
    resourceOf,
    apply,
    ensureDefaultServiceAccount,
    async createNamespace(name) {
      const labels = Object.fromEntries(['enforce', 'audit', 'warn'].flatMap((mode) => [[`pod-security.kubernetes.io/${mode}`, 'restricted'], [`pod-security.kubernetes.io/${mode}-version`, 'latest']]));
      const response = await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, { fieldManager: 'synchook-test-setup' });
      if (response.status >= 300) throw new Error(`creating namespace ${name}: ${response.status} ${JSON.stringify(response.body)}`);
      await ensureDefaultServiceAccount(name);
    },
    async installCrds(crds) {
      // All at once: the API server compiles each CRD's schema on its own, so this takes the time
      // of the largest rather than the sum.
      await Promise.all(crds.map(async (crd) => {
        const response = await apply(crd, { fieldManager: 'synchook-test-setup', force: true });
        if (response.status >= 300) throw new Error(`installing CRD ${crd.metadata?.name}: ${response.status} ${(response.body as Json).message ?? JSON.stringify(response.body)}`);
      }));
      const deadline = Date.now() + 60_000;
      for (const crd of crds) {
        for (;;) {
          const current = await request<Json>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
          const established = (current.body.status?.conditions ?? []).some((condition: Json) => condition.type === 'Established' && condition.status === 'True');
          if (established) break;
          if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} was not Established within 60 s: ${JSON.stringify(current.body.status?.conditions)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      discovered.clear();
    },
    async writeKubeconfig(dir, kubeconfigOptions = {}) {
      const path = join(dir, 'kubeconfig.yaml');
      const context = `{ cluster: test, user: user${kubeconfigOptions.namespace ? `, namespace: ${kubeconfigOptions.namespace}` : ''} }`;
      await writeFile(path, [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- { name: test, cluster: { server: "${url}", certificate-authority: "${caFile}" } }`,
        'users:',
        `- { name: user, user: { token: "${kubeconfigOptions.token ?? adminToken}" } }`,
        'contexts:',
        `- { name: test, context: ${context} }`,
        'current-context: test',
        '',
      ].join('\n'));
      return path;
    },
    async issueToken(namespace, serviceAccount, tokenOptions = {}) {
      // TokenRequest: https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/
      const response = await request<Json>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          expirationSeconds: tokenOptions.expirationSeconds ?? 3600,
          ...(tokenOptions.boundPod ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: tokenOptions.boundPod.name, uid: tokenOptions.boundPod.uid } } : {}),
        },
      });
      if (response.status !== 201 || !response.body.status?.token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.status.token as string;
    },
  };
}
