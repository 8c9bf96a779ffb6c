import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { GitHubReportConfig } from '../../src/config/report.js';
import { resolveCommit } from '../../src/report/sha/resolve.js';
import { connectKubernetes, type Json, type KubernetesClient } from '../harness/kubernetes.js';
import { build, type KubeObject } from '../unit/manifests/render.js';

/**
 * ArgoCD commit discovery inside a real API server: the shipped hooks/argocd base (ServiceAccount,
 * Role, RoleBinding, Jobs) in the application's namespace, the shipped argocd-namespace Role in
 * ArgoCD's, a real Application whose sync is running, the pod the PreSync Job would have, and a
 * token the API server issues for the hook's ServiceAccount, bound to that pod as the kubelet asks
 * for it. synchook then looks itself up exactly as in a pod (the ServiceAccount files and
 * KUBERNETES_SERVICE_HOST/PORT): RBAC is the API server's, not a stand-in's.
 */

const SHA = 'c0ffee0123456789abcdef0123456789abcdef01';
const FIELD_MANAGER = 'argocd-controller';
let kube: KubernetesClient;
let dir: string;
let hookNamespace: string;
let argocdNamespace: string;
let appName: string;
let readerRole: KubeObject;
let pod: { name: string; uid: string };
/** The pod the PreSync Job would create. */
let podBody: Json;

function trackingId(app: string, object: KubeObject, namespace: string): string {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  return `${app}:${group}/${object.kind}:${namespace}/${object.metadata.name}`;
}

async function applyOrFail(object: Json, namespace?: string): Promise<Json> {
  const response = await kube.apply(object, { fieldManager: FIELD_MANAGER, force: true, namespace });
  if (response.status >= 300) throw new Error(`applying ${object.kind} ${object.metadata.name}: ${response.status} ${(response.body as Json).message}`);
  return response.body as Json;
}

/** What the hook pod has mounted at /var/run/secrets/kubernetes.io/serviceaccount, with a fresh token. */
async function serviceAccountFiles(name: string, namespace: string, serviceAccount: string, boundPod?: { name: string; uid: string }): Promise<string> {
  const saDir = join(dir, name);
  const info = inject('kubernetes');
  const token = await kube.issueToken(namespace, serviceAccount, { boundPod });
  rmSync(saDir, { recursive: true, force: true });
  mkdirSync(saDir, { recursive: true });
  writeFileSync(join(saDir, 'token'), token);
  writeFileSync(join(saDir, 'ca.crt'), info.caPem);
  writeFileSync(join(saDir, 'namespace'), namespace);
  return saDir;
}

/** synchook's own commit resolution, as a hook pod runs it (no --sha, no GITHUB_SHA). */
function discover(serviceAccountDir: string, podName = pod.name) {
  const info = inject('kubernetes');
  const github = GitHubReportConfig.parse({ repository: 'acme/orders', argocd: { namespace: argocdNamespace, timeout: '30s' } });
  return resolveCommit({
    github,
    configDir: dir,
    env: { KUBERNETES_SERVICE_HOST: info.host, KUBERNETES_SERVICE_PORT: String(info.port), POD_NAME: podName, POD_NAMESPACE: hookNamespace },
    serviceAccountDir,
  });
}

beforeAll(async () => {
  kube = connectKubernetes(inject('kubernetes'));
  dir = mkdtempSync(join(tmpdir(), 'synchook-argocd-discovery-'));
  const reader = build('hooks/argocd/argocd-namespace');
  readerRole = reader.find((object) => object.kind === 'Role')!;
  const binding = reader.find((object) => object.kind === 'RoleBinding')!;
  argocdNamespace = readerRole.metadata.namespace!;
  // The namespace the shipped RoleBinding names for the hooks, and the Application the Role names
  // (when it is scoped by resourceNames): the test runs where the shipped RBAC says it works.
  hookNamespace = (binding.subjects as Json[])[0]!.namespace;
  const rule = (readerRole.rules as Json[]).find((candidate) => candidate.resources?.includes('applications'));
  appName = rule?.resourceNames?.[0] ?? hookNamespace;

  await kube.createNamespace(argocdNamespace);
  await kube.createNamespace(hookNamespace);
  for (const object of reader) await applyOrFail(object);

  // The hooks, as ArgoCD applies them: with its tracking annotation naming the Application.
  let presyncJob: Json | undefined;
  for (const object of build('hooks/argocd')) {
    const tracked = structuredClone(object);
    tracked.metadata.annotations = { ...tracked.metadata.annotations, 'argocd.argoproj.io/tracking-id': trackingId(appName, object, hookNamespace) };
    const applied = await applyOrFail(tracked, hookNamespace);
    if (object.kind === 'Job' && object.metadata.annotations?.['argocd.argoproj.io/hook'] === 'PreSync') presyncJob = applied;
  }
  if (!presyncJob) throw new Error('hooks/argocd has no PreSync Job');

  await applyOrFail({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: appName, namespace: argocdNamespace },
    spec: { project: 'default', source: { repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: 'deploy' }, destination: { server: 'https://kubernetes.default.svc', namespace: hookNamespace } },
    status: {
      sync: { status: 'OutOfSync', revision: SHA },
      operationState: {
        phase: 'Running',
        message: `waiting for completion of hook batch/Job/${presyncJob.metadata.name}`,
        startedAt: new Date().toISOString(),
        operation: { sync: { revision: SHA }, initiatedBy: { automated: true } },
        syncResult: { revision: SHA, source: { repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: 'deploy' } },
      },
    },
  });

  // The pod the Job controller (not running here) would create; Pod Security admits it or not.
  podBody = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${presyncJob.metadata.name}-x7k2p`,
      labels: presyncJob.spec.template.metadata.labels,
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: presyncJob.metadata.name, uid: presyncJob.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: presyncJob.spec.template.spec,
  };
  const created = await kube.request<Json>('POST', `/api/v1/namespaces/${hookNamespace}/pods`, podBody);
  if (created.status !== 201) throw new Error(`creating the PreSync Job's pod: ${created.status} ${created.body.message}`);
  pod = { name: created.body.metadata.name, uid: created.body.metadata.uid };
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ArgoCD commit discovery against a real API server, as the hook ServiceAccount', () => {
  it('finds the revision of the running sync with exactly the shipped RBAC', async () => {
    const found = await discover(await serviceAccountFiles('shipped', hookNamespace, 'synchook', pod));
    expect(found?.sha).toBe(SHA);
    expect(found?.from).toBe(`ArgoCD Application ${argocdNamespace}/${appName} (status.operationState.syncResult.revision)`);
    expect(found?.argocd?.jobName).toMatch(/presync/);
  });

  it('fails naming the missing permission when the Role in the ArgoCD namespace is missing', async () => {
    const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${argocdNamespace}/roles/${readerRole.metadata.name}`;
    expect((await kube.request('DELETE', path)).status).toBe(200);
    try {
      const error = await discover(await serviceAccountFiles('no-reader', hookNamespace, 'synchook', pod)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`ArgoCD commit discovery: not allowed to read Application ${argocdNamespace}/${appName} (403: `);
      expect((error as Error).message).toContain(`User "system:serviceaccount:${hookNamespace}:synchook" cannot get resource "applications" in API group "argoproj.io"`);
      expect((error as Error).message).toContain(`Grant the hook's ServiceAccount get applications.argoproj.io in namespace ${argocdNamespace}`);
    } finally {
      await applyOrFail(readerRole);
    }
  });

  it('fails naming the missing permission when the hook Role in its own namespace is missing', async () => {
    const role = build('hooks/argocd').find((object) => object.kind === 'Role')!;
    const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${hookNamespace}/roles/${role.metadata.name}`;
    expect((await kube.request('DELETE', path)).status).toBe(200);
    try {
      const error = await discover(await serviceAccountFiles('no-hook-role', hookNamespace, 'synchook', pod)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`not allowed to read pod ${hookNamespace}/${pod.name} (403: `);
      expect((error as Error).message).toContain(`get pods in namespace ${hookNamespace}`);
    } finally {
      await applyOrFail({ ...role, metadata: { ...role.metadata, annotations: { ...role.metadata.annotations, 'argocd.argoproj.io/tracking-id': trackingId(appName, role, hookNamespace) } } }, hookNamespace);
    }
  });

  it('a ServiceAccount of a namespace the RoleBinding does not list cannot read the Application', async () => {
    const other = 'not-listed';
    await kube.createNamespace(other);
    const error = await resolveCommit({
      github: GitHubReportConfig.parse({ repository: 'acme/orders', argocd: { namespace: argocdNamespace, timeout: '30s' } }),
      configDir: dir,
      env: { KUBERNETES_SERVICE_HOST: inject('kubernetes').host, KUBERNETES_SERVICE_PORT: String(inject('kubernetes').port), POD_NAME: pod.name, POD_NAMESPACE: hookNamespace },
      serviceAccountDir: await serviceAccountFiles('other-namespace', other, 'default'),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`User "system:serviceaccount:${other}:default" cannot get resource "pods"`);
  });

  it('refuses a token bound to a pod that no longer exists (401), as after the hook pod is deleted', async () => {
    const saDir = await serviceAccountFiles('deleted-pod', hookNamespace, 'synchook', pod);
    expect((await kube.request('DELETE', `/api/v1/namespaces/${hookNamespace}/pods/${pod.name}`, { gracePeriodSeconds: 0 })).status).toBe(200);
    try {
      const error = await discover(saDir).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('rejected the credentials while reading pod');
      expect((error as Error).message).toContain('(401)');
    } finally {
      // Recreate the pod for later tests; a new uid, so issue tokens against it afresh.
      const again = await kube.request<Json>('POST', `/api/v1/namespaces/${hookNamespace}/pods`, podBody);
      pod = { name: again.body.metadata.name, uid: again.body.metadata.uid };
    }
  });
});
