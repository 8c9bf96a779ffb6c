import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCertificates } from './certs.js';

/**
 * A local stand-in for the few Kubernetes API reads ArgoCD commit discovery makes: a pod, its Job
 * and an ArgoCD Application, each at its real API path, over TLS with a throwaway CA, behind a
 * bearer token, with RBAC denials on demand. Answers errors as Kubernetes does (a Status object
 * with reason and code). Reachable through a kubeconfig or as a pod's ServiceAccount sees it.
 */

type Json = Record<string, unknown>;
type Kind = 'pods' | 'jobs' | 'applications';

export interface KubernetesStandInOptions {
  pods?: Json[];
  jobs?: Json[];
  applications?: Json[];
  /** Resources the ServiceAccount may not read: their requests get 403 Forbidden. */
  forbidden?: Kind[];
}

export interface KubernetesRequest {
  method: string;
  path: string;
  status: number;
}

export interface KubernetesStandIn {
  url: string;
  port: number;
  token: string;
  caFile: string;
  requests: KubernetesRequest[];
  /** Writes a kubeconfig pointing at the stand-in, with its token and a default namespace. */
  writeKubeconfig(dir: string, namespace?: string): string;
  /**
   * Writes what Kubernetes mounts into a pod (token, ca.crt, namespace) under dir, and returns the
   * environment a pod gets (KUBERNETES_SERVICE_HOST/PORT).
   */
  writeServiceAccount(dir: string, namespace: string): { dir: string; env: Record<string, string> };
  close(): Promise<void>;
}

const ROUTES: Array<{ kind: Kind; regex: RegExp; group: string }> = [
  { kind: 'pods', regex: /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/, group: '' },
  { kind: 'jobs', regex: /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/, group: 'batch' },
  { kind: 'applications', regex: /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/applications\/([^/]+)$/, group: 'argoproj.io' },
];

export async function startKubernetesStandIn(options: KubernetesStandInOptions): Promise<KubernetesStandIn> {
  const token = `k8s-${randomBytes(12).toString('hex')}`;
  const certs = await createTestCertificates(mkdtempSync(join(tmpdir(), 'synchook-k8s-tls-')));
  const objects: Record<Kind, Json[]> = { pods: options.pods ?? [], jobs: options.jobs ?? [], applications: options.applications ?? [] };
  const requests: KubernetesRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer({ cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) }, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const reply = (status: number, body: Json) => {
      requests.push({ method: req.method ?? 'GET', path, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const statusObject = (code: number, reason: string, message: string): Json => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, statusObject(401, 'Unauthorized', 'Unauthorized'));
    const route = ROUTES.map((candidate) => ({ candidate, match: candidate.regex.exec(path) })).find((item) => item.match);
    if (!route || req.method !== 'GET') return reply(404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
    const [, namespace, name] = route.match! as unknown as [string, string, string];
    const { kind, group } = route.candidate;
    if (options.forbidden?.includes(kind)) {
      return reply(403, statusObject(403, 'Forbidden', `${kind}${group ? `.${group}` : ''} "${name}" is forbidden: User "system:serviceaccount:${namespace}:synchook" cannot get resource "${kind}" in API group "${group}" in the namespace "${namespace}"`));
    }
    const found = objects[kind].find((object) => {
      const meta = object.metadata as { name?: string; namespace?: string };
      return meta.name === name && meta.namespace === namespace;
    });
    if (!found) return reply(404, statusObject(404, 'NotFound', `${kind}${group ? `.${group}` : ''} "${name}" not found`));
    return reply(200, found);
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;

  return {
    url,
    port,
    token,
    caFile: certs.caFile,
    requests,
    writeKubeconfig(dir, namespace) {
      const file = join(dir, 'kubeconfig.yaml');
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: standin`,
          `  cluster: { server: "${url}", certificate-authority: "${certs.caFile}" }`,
          'users:',
          `- name: hook`,
          `  user: { token: "${token}" }`,
          'contexts:',
          `- name: standin`,
          `  context: { cluster: standin, user: hook${namespace ? `, namespace: ${namespace}` : ''} }`,
          'current-context: standin',
          '',
        ].join('\n'),
      );
      return file;
    },
    writeServiceAccount(dir, namespace) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'token'), token);
      writeFileSync(join(dir, 'ca.crt'), readFileSync(certs.caFile));
      writeFileSync(join(dir, 'namespace'), namespace);
      return { dir, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) } };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ArgoHookScenario {
  sha: string;
  app?: string;
  /** Where the Application lives; "argocd" unless Applications-in-any-namespace is used. */
  appNamespace?: string;
  /** Namespace of the hook Job and pod. */
  namespace?: string;
  pod?: string;
  job?: string;
  /** Write the tracking id as <appNamespace>_<app> (Applications in any namespace). */
  namespacedTrackingId?: boolean;
  /** A multi-source Application: these revisions, one per source, in `syncResult.revisions`. */
  sources?: Array<{ repoURL: string; revision: string }>;
  /** Omit the tracking annotation (a Job ArgoCD did not create). */
  untracked?: boolean;
}

/** The pod, Job and Application ArgoCD leaves while running a PreSync hook Job. */
export function argoHookObjects(scenario: ArgoHookScenario): Required<Pick<KubernetesStandInOptions, 'pods' | 'jobs' | 'applications'>> {
  const app = scenario.app ?? 'orders-dev';
  const appNamespace = scenario.appNamespace ?? 'argocd';
  const namespace = scenario.namespace ?? 'orders-dev';
  const job = scenario.job ?? 'synchook-presync';
  const pod = scenario.pod ?? `${job}-x7k2p`;
  const trackingApp = scenario.namespacedTrackingId ? `${appNamespace}_${app}` : app;
  const annotations: Record<string, string> = { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' };
  if (!scenario.untracked) annotations['argocd.argoproj.io/tracking-id'] = `${trackingApp}:batch/Job:${namespace}/${job}`;
  const sources = scenario.sources;
  return {
    pods: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod,
          namespace,
          labels: { 'batch.kubernetes.io/job-name': job, 'job-name': job },
          ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job, uid: '5f1c7c1e-0000-4000-8000-000000000001', controller: true, blockOwnerDeletion: true }],
        },
        spec: { containers: [{ name: 'synchook', image: 'synchook:test' }] },
        status: { phase: 'Running' },
      },
    ],
    jobs: [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: job, namespace, annotations, uid: '5f1c7c1e-0000-4000-8000-000000000001' },
        spec: { backoffLimit: 0, template: { spec: { containers: [{ name: 'synchook', image: 'synchook:test' }], restartPolicy: 'Never' } } },
        status: { active: 1 },
      },
    ],
    applications: [
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: app, namespace: appNamespace },
        spec: sources
          ? { project: 'default', sources: sources.map((source) => ({ repoURL: source.repoURL, targetRevision: 'main', path: 'deploy' })), destination: { server: 'https://kubernetes.default.svc', namespace } }
          : { project: 'default', source: { repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: 'deploy/dev' }, destination: { server: 'https://kubernetes.default.svc', namespace } },
        status: {
          sync: { status: 'OutOfSync', revision: sources ? undefined : scenario.sha },
          operationState: {
            phase: 'Running',
            message: 'waiting for completion of hook batch/Job/synchook-presync',
            startedAt: new Date().toISOString(),
            operation: { sync: sources ? { revisions: sources.map((source) => source.revision) } : { revision: scenario.sha }, initiatedBy: { automated: true } },
            syncResult: sources
              ? { revisions: sources.map((source) => source.revision), sources: sources.map((source) => ({ repoURL: source.repoURL, targetRevision: 'main' })), resources: [] }
              : { revision: scenario.sha, source: { repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main' }, resources: [] },
          },
        },
      },
    ],
  };
}
