import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, UnreachableError } from '../../../src/errors.js';
import { applicationOf, discoverArgoCdRevision, revisionOf } from '../../../src/report/sha/argocd.js';
import { argoHookObjects, startKubernetesStandIn, type KubernetesStandIn, type KubernetesStandInOptions } from '../../harness/kubernetes-standin.js';

const SHA = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const OTHER = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';

let standIn: KubernetesStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function discover(objects: KubernetesStandInOptions, overrides: Partial<Parameters<typeof discoverArgoCdRevision>[0]> = {}) {
  standIn = await startKubernetesStandIn(objects);
  const file = standIn.writeKubeconfig(mkdtempSync(join(tmpdir(), 'synchook-kube-')), 'orders-dev');
  return discoverArgoCdRevision({ access: { kind: 'kubeconfig', file }, pod: 'synchook-presync-x7k2p', argocdNamespace: 'argocd', repository: 'acme/orders', timeoutMs: 5_000, ...overrides });
}

describe('ArgoCD commit discovery through the Kubernetes API', () => {
  it('follows pod → Job → tracking-id → Application and reads the sync revision', async () => {
    const found = await discover(argoHookObjects({ sha: SHA }));
    expect(found).toMatchObject({ sha: SHA, app: 'orders-dev', appNamespace: 'argocd', namespace: 'orders-dev', jobName: 'synchook-presync', field: 'status.operationState.syncResult.revision' });
    expect(standIn!.requests.map((request) => request.path)).toEqual([
      '/api/v1/namespaces/orders-dev/pods/synchook-presync-x7k2p',
      '/apis/batch/v1/namespaces/orders-dev/jobs/synchook-presync',
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/orders-dev',
    ]);
  });

  it('finds an Application in another namespace from a <namespace>_<app> tracking id', async () => {
    const found = await discover(argoHookObjects({ sha: SHA, appNamespace: 'team-orders', namespacedTrackingId: true }));
    expect(found).toMatchObject({ sha: SHA, app: 'orders-dev', appNamespace: 'team-orders' });
  });

  it('picks the revision of the source that is the reported repository in a multi-source Application', async () => {
    const found = await discover(argoHookObjects({ sha: SHA, sources: [{ repoURL: 'https://github.com/acme/platform-charts.git', revision: OTHER }, { repoURL: 'git@github.com:acme/orders.git', revision: SHA }] }));
    expect(found.sha).toBe(SHA);
    expect(found.field).toBe('status.operationState.syncResult.revisions[1]');
  });

  it('names the missing permission when RBAC forbids reading the Application', async () => {
    const error = await discover({ ...argoHookObjects({ sha: SHA }), forbidden: ['applications'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('not allowed to read Application argocd/orders-dev (403');
    expect((error as Error).message).toContain('get applications.argoproj.io in namespace argocd');
  });

  it('says the Job is not an ArgoCD hook when it has no tracking annotation', async () => {
    const error = await discover(argoHookObjects({ sha: SHA, untracked: true })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('has no argocd.argoproj.io/tracking-id annotation');
  });

  it('says which pod was not found', async () => {
    const error = await discover(argoHookObjects({ sha: SHA }), { pod: 'someone-else' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('pod orders-dev/someone-else was not found (404)');
  });

  it('exits 3 when the Kubernetes API cannot be reached', async () => {
    standIn = await startKubernetesStandIn({});
    const file = standIn.writeKubeconfig(mkdtempSync(join(tmpdir(), 'synchook-kube-')), 'orders-dev');
    await standIn.close();
    standIn = undefined;
    const error = await discoverArgoCdRevision({ access: { kind: 'kubeconfig', file }, pod: 'p', argocdNamespace: 'argocd', repository: 'acme/orders', timeoutMs: 3_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/could not be reached while reading pod orders-dev\/p/);
  });
});

describe('reading the Application', () => {
  it('refuses a revision that is a branch or a chart version', () => {
    const application = { status: { operationState: { syncResult: { revision: '1.4.2' }, operation: { sync: { revision: 'main' } } } } };
    expect(() => revisionOf(application, 'Application argocd/x', 'acme/orders')).toThrow(/holds no commit SHA \(found "1.4.2", "main"/);
  });

  it('says when no sync is in progress', () => {
    expect(() => revisionOf({ status: {} }, 'Application argocd/x', 'acme/orders')).toThrow(/no operation in progress/);
  });

  it('falls back to the requested revision when the sync result has none yet', () => {
    expect(revisionOf({ status: { operationState: { operation: { sync: { revision: SHA } } } } }, 'a', 'acme/orders')).toEqual({ sha: SHA, field: 'status.operationState.operation.sync.revision' });
  });

  it('asks which source when several Git sources match none', () => {
    const application = { status: { operationState: { syncResult: { revisions: [SHA, OTHER], sources: [{ repoURL: 'https://github.com/a/b' }, { repoURL: 'https://github.com/c/d' }] } } } };
    expect(() => revisionOf(application, 'Application argocd/x', 'acme/orders')).toThrow(/several Git sources \(c0ffee0, deadbee\) and none is acme\/orders/);
  });

  it('reads the app from the label when ArgoCD tracks by label', () => {
    expect(applicationOf({ labels: { 'app.kubernetes.io/instance': 'orders-prod' } }, 'Job x', 'argocd')).toEqual({ app: 'orders-prod', appNamespace: 'argocd' });
  });

  it('refuses a malformed tracking id', () => {
    expect(() => applicationOf({ annotations: { 'argocd.argoproj.io/tracking-id': 'garbage' } }, 'Job x', 'argocd')).toThrow(/is not <app>:<group>\/<kind>:<namespace>\/<name>/);
  });
});
