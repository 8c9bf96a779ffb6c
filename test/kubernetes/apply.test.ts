import { beforeAll, describe as group, expect, inject, it } from 'vitest';
import { connectKubernetes, type Json, type KubernetesClient } from '../harness/kubernetes.js';
import { describe, type KubeObject } from '../unit/manifests/render.js';
import { renderedOutputs, type RenderedOutput } from './outputs.js';

/**
 * Server-side apply of every output of hooks/ and manifests/ to a real API server with the
 * published CRDs installed: the API server's own validation (OpenAPI schemas of built-in kinds and
 * CRDs, strict field validation, RBAC object rules) decides, and every pod template must be admitted
 * by Pod Security at `restricted` (created as a pod with dry run, so admission runs in full).
 */

// API groups whose CRDs cannot be fetched from a registry reachable here (see
// scripts/install-kubernetes-crds.sh); their objects are skipped with a printed line.
const UNFETCHABLE_GROUPS: Record<string, string> = {
  'helm.toolkit.fluxcd.io': 'the Go module proxy answers 403 for github.com/fluxcd/helm-controller, the module holding the HelmRelease CRD',
};

const FIELD_MANAGER = 'synchook-test';
const { outputs, notRendered } = renderedOutputs();
let kube: KubernetesClient;

beforeAll(() => {
  kube = connectKubernetes(inject('kubernetes'));
  for (const line of notRendered) process.stdout.write(`NOT APPLIED: ${line}\n`);
});

/** A namespace name (RFC 1123 label) for the objects of an output that name none. */
function namespaceFor(output: RenderedOutput): string {
  const slug = output.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `out-${slug}`.slice(0, 63).replace(/-$/, '');
}

function podTemplateOf(object: KubeObject): { metadata?: Json; spec: Json } | undefined {
  if (object.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template;
  if (['Job', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController'].includes(object.kind)) return object.spec?.template;
  return undefined;
}

const ORDER = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount'];
const rank = (object: KubeObject) => (ORDER.includes(object.kind) ? ORDER.indexOf(object.kind) : ORDER.length);

/** Applies one output; returns what the API server refused or warned about, one line each. */
async function applyOutput(output: RenderedOutput): Promise<{ problems: string[]; applied: number; podsChecked: number }> {
  const problems: string[] = [];
  const defaultNamespace = namespaceFor(output);
  const declared = new Set(output.objects.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name!));
  const placed: Array<{ object: KubeObject; namespace?: string }> = [];
  for (const object of output.objects) {
    const resource = await kube.resourceOf(object.apiVersion, object.kind);
    if (!resource) {
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
      if (UNFETCHABLE_GROUPS[group]) {
        process.stdout.write(`SKIPPED in ${output.name}: ${describe(object)} (${object.apiVersion}): no CRD installed, because ${UNFETCHABLE_GROUPS[group]}\n`);
      } else {
        problems.push(`${describe(object)}: no CRD serves ${object.apiVersion} ${object.kind}; add the project's published CRDs to scripts/install-kubernetes-crds.sh`);
      }
      continue;
    }
    placed.push({ object, namespace: resource.namespaced ? (object.metadata.namespace ?? defaultNamespace) : undefined });
  }
  for (const namespace of new Set(placed.map((entry) => entry.namespace).filter((name): name is string => Boolean(name)))) {
    if (!declared.has(namespace)) await kube.createNamespace(namespace);
  }

  let applied = 0;
  let podsChecked = 0;
  for (const { object, namespace } of placed.sort((a, b) => rank(a.object) - rank(b.object))) {
    const response = await kube.apply(object, { fieldManager: FIELD_MANAGER, force: true, namespace });
    if (response.status >= 300) {
      problems.push(`${describe(object)}: ${response.status} ${(response.body as Json).message ?? JSON.stringify(response.body)}`);
      continue;
    }
    applied++;
    problems.push(...response.warnings.map((warning) => `${describe(object)}: warning: ${warning}`));
    if (object.kind === 'Namespace') await kube.ensureDefaultServiceAccount(object.metadata.name!);

    const template = podTemplateOf(object);
    if (template && namespace) {
      const serviceAccount = template.spec.serviceAccountName as string | undefined;
      const shipped = output.objects.some((candidate) => candidate.kind === 'ServiceAccount' && candidate.metadata.name === serviceAccount);
      if (serviceAccount && !shipped && (await kube.request('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}`)).status === 404) {
        // An output may use a ServiceAccount another one ships (Flux's post-deploy uses pre-deploy's).
        process.stdout.write(`${output.name}: ${describe(object)} uses ServiceAccount ${serviceAccount}, which this output does not ship; created for the pod check\n`);
        await kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } }, { fieldManager: 'synchook-test-setup' });
      }
      // The pod the controller would create, admitted (dry run) as the API server admits real ones.
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${object.metadata.name}-pod`.slice(0, 63), namespace, labels: template.metadata?.labels ?? {} }, spec: template.spec };
      const admitted = await kube.request<Json>('POST', `/api/v1/namespaces/${namespace}/pods`, pod, { query: { dryRun: 'All', fieldValidation: 'Strict' } });
      podsChecked++;
      if (admitted.status !== 201) problems.push(`${describe(object)}: its pod is refused: ${admitted.body.message ?? JSON.stringify(admitted.body)}`);
      problems.push(...admitted.warnings.map((warning) => `${describe(object)}: its pod: warning: ${warning}`));
    }
  }
  // Outputs overlap (an overlay and its Flux split render the same Jobs); a Job's template is
  // immutable, and Flux (force) and ArgoCD (BeforeHookCreation) replace such Jobs rather than patch
  // them. Deleting what this output applied gives the next one the same clean start.
  for (const { object, namespace } of placed) {
    if (object.kind === 'Namespace' || object.kind === 'CustomResourceDefinition') continue;
    const resource = (await kube.resourceOf(object.apiVersion, object.kind))!;
    const path = `${resource.prefix}${namespace ? `/namespaces/${namespace}` : ''}/${resource.name}/${encodeURIComponent(object.metadata.name!)}`;
    // Background: no finalizer waits for a garbage collector (none runs here).
    await kube.request('DELETE', path, { propagationPolicy: 'Background' });
  }
  return { problems, applied, podsChecked };
}

group('server-side apply of every output of hooks/ and manifests/ to a real API server', () => {
  it('finds the outputs on disk (the hook bases and the example environment)', () => {
    const names = outputs.map((output) => output.name);
    expect(names).toContain('hooks/argocd');
    expect(names.some((name) => name.startsWith('hooks/flux'))).toBe(true);
    expect(names.some((name) => name.startsWith('manifests/overlays/'))).toBe(true);
    expect(inject('kubernetes').crds).toContain('applications.argoproj.io');
  });

  for (const output of outputs) {
    it(`${output.name}: every object is accepted, and every pod template is admitted under Pod Security "restricted"`, async () => {
      const { problems, applied } = await applyOutput(output);
      expect(problems, `${output.name} against kube-apiserver ${inject('kubernetes').version}`).toEqual([]);
      expect(applied).toBeGreaterThan(0);
    });
  }

  it('refuses what a cluster refuses: an unknown field, a wrong type in a CRD, and a pod that runs as root', async () => {
    const namespace = 'refusals';
    await kube.createNamespace(namespace);
    const job = outputs.find((output) => output.name === 'hooks/argocd')!.objects.find((object) => object.kind === 'Job')!;
    const typo = structuredClone(job);
    typo.spec.template.spec.containers[0].securityContext.runAsNonRot = true;
    const unknownField = await kube.apply(typo, { fieldManager: FIELD_MANAGER, namespace, dryRun: true });
    // Server-side apply answers a field outside the schema with 500 "failed to create typed patch object".
    expect(unknownField.status).toBeGreaterThanOrEqual(400);
    expect((unknownField.body as Json).message).toContain('runAsNonRot: field not declared in schema');

    const application = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'typed', namespace }, spec: { project: 'default', source: { repoURL: 'https://example.com/r.git', path: 3 }, destination: { namespace } } };
    const wrongType = await kube.apply(application, { fieldManager: FIELD_MANAGER, dryRun: true });
    expect(wrongType.status).toBeGreaterThanOrEqual(400);
    expect((wrongType.body as Json).message).toMatch(/\.spec\.source\.path: expected string/);

    const root = structuredClone(job.spec.template.spec) as Json;
    root.serviceAccountName = 'default';
    root.securityContext = {};
    root.containers[0].securityContext = {};
    const refused = await kube.request<Json>('POST', `/api/v1/namespaces/${namespace}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root' }, spec: root }, { query: { dryRun: 'All' } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('violates PodSecurity "restricted:latest"');
  });
});
