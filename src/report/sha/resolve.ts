import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { GitHubReportConfig } from '../../config/report.js';
import { discoverArgoCdRevision, SERVICE_ACCOUNT_DIR, type ArgoCdFinding, type KubernetesAccess } from './argocd.js';
import { parseRevision } from './revision.js';

export interface CommitSource {
  sha: string;
  /** Where it came from, for logs and doctor: "--sha", "report.github.sha", "GITHUB_SHA", "ArgoCD Application argocd/shop-dev". */
  from: string;
  argocd?: ArgoCdFinding;
}

export interface ResolveCommitOptions {
  github: GitHubReportConfig;
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** --sha on the command line. */
  cliSha?: string;
  /** Where the ServiceAccount's files are mounted; tests point it elsewhere. */
  serviceAccountDir?: string;
}

/**
 * Which commit to report to, first found wins: --sha, report.github.sha (usually ${REVISION},
 * which may hold a Flux revision such as main@sha1:<sha>), $GITHUB_SHA, then the ArgoCD
 * Application that runs this hook. A given value that is not a full SHA is a ConfigError;
 * undefined means nothing gave a commit and discovery was not attempted.
 */
export async function resolveCommit(options: ResolveCommitOptions): Promise<CommitSource | undefined> {
  const given = givenCommit(options);
  if (given) return given;
  const access = kubernetesAccess(options);
  if (!access) return undefined;
  return discoverCommit(options, access);
}

/** The commit given by --sha, the config or $GITHUB_SHA; a ConfigError when it is not a full SHA. */
export function givenCommit(options: Pick<ResolveCommitOptions, 'github' | 'env' | 'cliSha'>): CommitSource | undefined {
  const given: Array<[string | undefined, string]> = [
    [options.cliSha, '--sha'],
    [options.github.sha, 'report.github.sha'],
    [options.env.GITHUB_SHA, 'GITHUB_SHA'],
  ];
  for (const [value, from] of given) {
    if (value === undefined || value.trim() === '') continue;
    return { sha: parseRevision(value, from), from };
  }
  return undefined;
}

async function discoverCommit(options: ResolveCommitOptions, access: KubernetesAccess): Promise<CommitSource> {
  const argocd = await discoverFromArgoCd(options, access);
  return { sha: argocd.sha, from: `ArgoCD Application ${argocd.appNamespace}/${argocd.app} (${argocd.field})`, argocd };
}

/** How to reach Kubernetes for discovery, or undefined when discovery is off or there is no cluster. */
function kubernetesAccess(options: Pick<ResolveCommitOptions, 'github' | 'configDir' | 'env' | 'serviceAccountDir'>): KubernetesAccess | undefined {
  const { discover, argocd } = options.github;
  if (discover === 'off') return undefined;
  if (argocd.kubeconfig) return { kind: 'kubeconfig', file: resolve(options.configDir, argocd.kubeconfig) };
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = options.env.KUBERNETES_SERVICE_HOST;
  const inPod = Boolean(host) && existsSync(`${serviceAccountDir}/token`);
  if (inPod) return { kind: 'in-cluster', host: host!, port: options.env.KUBERNETES_SERVICE_PORT ?? '443', serviceAccountDir };
  if (discover === 'argocd' && options.env.KUBECONFIG) return { kind: 'kubeconfig', file: options.env.KUBECONFIG.split(':')[0]! };
  if (discover === 'argocd') return { kind: 'in-cluster', host: host ?? 'kubernetes.default.svc', port: options.env.KUBERNETES_SERVICE_PORT ?? '443', serviceAccountDir };
  return undefined;
}

function discoverFromArgoCd(options: ResolveCommitOptions, access: KubernetesAccess): Promise<ArgoCdFinding> {
  const { argocd, repository } = options.github;
  const pod = argocd.pod ?? options.env.POD_NAME ?? options.env.HOSTNAME;
  if (!pod) {
    return Promise.reject(new ConfigError("ArgoCD commit discovery: this pod's name is unknown: set report.github.argocd.pod, or POD_NAME from the downward API."));
  }
  return discoverArgoCdRevision({
    access,
    pod,
    podNamespace: argocd.podNamespace ?? options.env.POD_NAMESPACE,
    argocdNamespace: argocd.namespace,
    repository,
    timeoutMs: argocd.timeout,
  });
}
