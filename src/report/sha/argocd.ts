import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, SynchookError, UnreachableError, messageOf } from '../../errors.js';
import { formatDuration } from '../../duration.js';
import { isFullSha } from './revision.js';
import { untilAborted } from '../../timing.js';

/** The annotation ArgoCD puts on every resource it tracks: `<app>:<group>/<kind>:<namespace>/<name>`. */
const TRACKING_ID_ANNOTATION = 'argocd.argoproj.io/tracking-id';
/** ArgoCD's label tracking (the default before ArgoCD 3.0): the value is the Application's name. */
const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How to reach the Kubernetes API: a kubeconfig file, or the pod's own ServiceAccount. */
export type KubernetesAccess =
  | { kind: 'kubeconfig'; file: string }
  | { kind: 'in-cluster'; host: string; port: string; serviceAccountDir: string };

export interface ArgoCdLookup {
  access: KubernetesAccess;
  pod: string;
  /** The pod's namespace; the ServiceAccount's or the kubeconfig context's when not given. */
  podNamespace?: string;
  /** Where the Application resources live (ArgoCD's control plane namespace). */
  argocdNamespace: string;
  /** owner/name, to pick the right revision of a multi-source Application. */
  repository: string;
  timeoutMs: number;
}

export interface ArgoCdFinding {
  sha: string;
  app: string;
  appNamespace: string;
  namespace: string;
  pod: string;
  jobName: string;
  /** Where in the Application the SHA was read, for messages. */
  field: string;
}

interface ObjectMeta {
  name?: string;
  namespace?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ownerReferences?: Array<{ kind?: string; name?: string; apiVersion?: string }>;
}

interface Application {
  metadata?: ObjectMeta;
  spec?: { source?: { repoURL?: string }; sources?: Array<{ repoURL?: string }> };
  status?: {
    operationState?: {
      phase?: string;
      operation?: { sync?: { revision?: string; revisions?: string[] } };
      syncResult?: { revision?: string; revisions?: string[]; source?: { repoURL?: string }; sources?: Array<{ repoURL?: string }> };
    };
    sync?: { revision?: string; revisions?: string[] };
  };
}

/**
 * Finds the commit ArgoCD is syncing: this pod → the Job that owns it → the Job's tracking-id
 * annotation → the Application → `status.operationState.syncResult.revision` (or `.revisions[]`
 * for a multi-source Application). ArgoCD records the resolved commit there before running the
 * PreSync hooks. Needs get on pods and jobs in the pod's namespace, and get on
 * applications.argoproj.io in the ArgoCD namespace (docs/reporting.md has the Role).
 */
export async function discoverArgoCdRevision(lookup: ArgoCdLookup): Promise<ArgoCdFinding> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  let namespace = lookup.podNamespace;
  if (lookup.access.kind === 'kubeconfig') {
    kc.loadFromFile(lookup.access.file);
    namespace ??= kc.getContextObject(kc.getCurrentContext())?.namespace;
  } else {
    const dir = lookup.access.serviceAccountDir;
    kc.loadFromClusterAndUser(
      { name: 'in-cluster', server: `https://${lookup.access.host.includes(':') ? `[${lookup.access.host}]` : lookup.access.host}:${lookup.access.port}`, caFile: join(dir, 'ca.crt'), skipTLSVerify: false },
      { name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } },
    );
    const namespaceFile = join(dir, 'namespace');
    if (!namespace && existsSync(namespaceFile)) namespace = readFileSync(namespaceFile, 'utf8').trim();
  }
  namespace ??= 'default';
  const server = kc.getCurrentCluster()?.server ?? 'the Kubernetes API';
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const started = Date.now();
  const call = <T>(what: string, rbac: string, request: () => Promise<T>): Promise<T> =>
    bounded(request(), Math.max(1, lookup.timeoutMs - (Date.now() - started)), () => new UnreachableError(`ArgoCD commit discovery: ${server} did not answer within ${formatDuration(lookup.timeoutMs)} while reading ${what}.`)).catch((error: unknown) => {
      throw kubernetesError(error, what, rbac, server);
    });

  const pod = (await call(`pod ${namespace}/${lookup.pod}`, `get pods in namespace ${namespace}`, () => core.readNamespacedPod({ name: lookup.pod, namespace }))) as { metadata?: ObjectMeta };
  const owner = pod.metadata?.ownerReferences?.find((reference) => reference.kind === 'Job');
  if (!owner?.name) {
    throw new ConfigError(`ArgoCD commit discovery: pod ${namespace}/${lookup.pod} is not owned by a Job, so it is not an ArgoCD hook Job. Give the commit with --sha or report.github.sha, or set report.github.discover: off.`);
  }
  const job = (await call(`Job ${namespace}/${owner.name}`, `get jobs.batch in namespace ${namespace}`, () => batch.readNamespacedJob({ name: owner.name!, namespace }))) as { metadata?: ObjectMeta };
  const { app, appNamespace } = applicationOf(job.metadata ?? {}, `Job ${namespace}/${owner.name}`, lookup.argocdNamespace);
  const application = (await call(
    `Application ${appNamespace}/${app}`,
    `get applications.argoproj.io in namespace ${appNamespace}`,
    () => custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: appNamespace, plural: 'applications', name: app }),
  )) as Application;
  const { sha, field } = revisionOf(application, `Application ${appNamespace}/${app}`, lookup.repository);
  return { sha, field, app, appNamespace, namespace, pod: lookup.pod, jobName: owner.name };
}

/** The Application named by the Job's tracking-id annotation (or instance label). */
export function applicationOf(meta: ObjectMeta, what: string, argocdNamespace: string): { app: string; appNamespace: string } {
  const tracking = meta.annotations?.[TRACKING_ID_ANNOTATION];
  let app: string | undefined;
  if (tracking !== undefined) {
    const match = /^([^:]+):([^:/]*)\/([^:]+):([^/]*)\/(.+)$/.exec(tracking);
    if (!match) {
      throw new ConfigError(`ArgoCD commit discovery: ${what} has ${TRACKING_ID_ANNOTATION}: "${tracking}", which is not <app>:<group>/<kind>:<namespace>/<name>. Give the commit with --sha or report.github.sha.`);
    }
    app = match[1];
  } else {
    app = meta.labels?.[INSTANCE_LABEL];
  }
  if (!app) {
    throw new ConfigError(`ArgoCD commit discovery: ${what} has no ${TRACKING_ID_ANNOTATION} annotation (nor ${INSTANCE_LABEL} label), so ArgoCD did not create it. Give the commit with --sha or report.github.sha, or set report.github.discover: off.`);
  }
  // With Applications in any namespace, ArgoCD writes <namespace>_<name> for apps outside its own
  // namespace; "_" cannot occur in a Kubernetes name, so the split is unambiguous.
  const separator = app.indexOf('_');
  if (separator > 0) return { app: app.slice(separator + 1), appNamespace: app.slice(0, separator) };
  return { app, appNamespace: argocdNamespace };
}

/** The commit of the operation in progress, or a ConfigError saying what the Application holds. */
export function revisionOf(application: Application, what: string, repository: string): { sha: string; field: string } {
  const operation = application.status?.operationState;
  const result = operation?.syncResult;
  const requested = operation?.operation?.sync;
  const single = [
    { value: result?.revision, field: 'status.operationState.syncResult.revision' },
    { value: requested?.revision, field: 'status.operationState.operation.sync.revision' },
  ];
  for (const candidate of single) {
    if (candidate.value && isFullSha(candidate.value)) return { sha: candidate.value.toLowerCase(), field: candidate.field };
  }
  const sources = result?.sources ?? application.spec?.sources ?? [];
  for (const [list, field] of [
    [result?.revisions, 'status.operationState.syncResult.revisions'],
    [requested?.revisions, 'status.operationState.operation.sync.revisions'],
  ] as const) {
    if (!list || list.length === 0) continue;
    const index = sources.findIndex((source) => sameRepository(source.repoURL, repository));
    if (index >= 0 && list[index] && isFullSha(list[index]!)) return { sha: list[index]!.toLowerCase(), field: `${field}[${index}]` };
    const shas = [...new Set(list.filter((value) => isFullSha(value)))];
    if (shas.length === 1) return { sha: shas[0]!.toLowerCase(), field: `${field}[${list.indexOf(shas[0]!)}]` };
    if (shas.length > 1) {
      throw new ConfigError(`ArgoCD commit discovery: ${what} syncs several Git sources (${shas.map((sha) => sha.slice(0, 7)).join(', ')}) and none is ${repository}. Set report.github.repository to the source's repository, or give the commit with --sha.`);
    }
  }
  const found = [result?.revision, requested?.revision, ...(result?.revisions ?? [])].filter(Boolean);
  if (!operation) {
    throw new ConfigError(`ArgoCD commit discovery: ${what} has no operation in progress (status.operationState is empty). Run synchook as a sync hook, or give the commit with --sha.`);
  }
  throw new ConfigError(`ArgoCD commit discovery: ${what} holds no commit SHA${found.length > 0 ? ` (found ${found.map((value) => `"${value}"`).join(', ')}: a Helm chart version or a branch)` : ''}. Give the commit with --sha or report.github.sha.`);
}

function sameRepository(repoUrl: string | undefined, repository: string): boolean {
  if (!repoUrl) return false;
  const path = repoUrl.replace(/\.git$/, '').replace(/\/+$/, '');
  return path.toLowerCase().endsWith(`/${repository.toLowerCase()}`) || path.toLowerCase().endsWith(`:${repository.toLowerCase()}`);
}

function kubernetesError(error: unknown, what: string, rbac: string, server: string): SynchookError {
  if (error instanceof SynchookError) return error;
  const code = (error as { code?: unknown }).code;
  const status = typeof code === 'number' ? code : undefined;
  const body = parseBody((error as { body?: unknown }).body);
  const detail = body?.message ?? messageOf(error).split('\n')[0];
  if (status === 401) return new ConfigError(`ArgoCD commit discovery: ${server} rejected the credentials while reading ${what} (401). Check the ServiceAccount token or the kubeconfig.`);
  if (status === 403) return new ConfigError(`ArgoCD commit discovery: not allowed to read ${what} (403: ${detail}). Grant the hook's ServiceAccount ${rbac} (see the RBAC in docs/reporting.md), or give the commit with --sha.`);
  if (status === 404) return new ConfigError(`ArgoCD commit discovery: ${what} was not found (404). Check report.github.argocd (pod, podNamespace, namespace), or give the commit with --sha.`);
  if (status !== undefined) return new UnreachableError(`ArgoCD commit discovery: ${server} answered ${status} while reading ${what}: ${detail}.`);
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  return new UnreachableError(`ArgoCD commit discovery: ${server} could not be reached while reading ${what} (${cause?.code ?? cause?.message ?? detail}).`);
}

function parseBody(body: unknown): { message?: string } | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { message?: string };
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as { message?: string }) : undefined;
}

/** The promise's outcome, or onTimeout()'s error when `ms` pass first. */
async function bounded<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  const deadline = AbortSignal.timeout(ms);
  try {
    return await untilAborted(promise, deadline);
  } catch (error) {
    if (deadline.aborted && error === deadline.reason) throw onTimeout();
    throw error;
  }
}
