import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { expectRunOnceRestricted, imageTagProblem, images, isSynchookJob, podTemplate } from './job-rules.js';
import { REPO, describe as name, parseObjects, type KubeObject } from './render.js';
import { schemaProblem } from './schemas.js';

/**
 * hooks/helm/synchook, linted and rendered with helm (built from the Go module proxy by
 * scripts/install-helm.sh) and held to the rules of the kustomize bases.
 */

const CHART = join(REPO, 'hooks/helm/synchook');
const SHA = '0f3a9c1d2b4e5f60718293a4b5c6d7e8f9012345';
const work = mkdtempSync(join(tmpdir(), 'synchook-helm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let helmBinary: string | undefined;
function helm(args: string[]): string {
  helmBinary ??= execFileSync('bash', [join(REPO, 'scripts/install-helm.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  try {
    return execFileSync(helmBinary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') } });
  } catch (error) {
    throw new Error(`helm ${args[0]} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
}

/** A values file with dev's synchook files as config.files, plus the given values. */
function valuesFile(values: Record<string, unknown>, extraTopic = false): string {
  const folder = join(REPO, 'manifests/overlays/dev/synchook');
  const files = Object.fromEntries(readdirSync(folder).filter((file) => file !== 'kustomization.yaml').map((file) => [file, readFileSync(join(folder, file), 'utf8')]));
  if (extraTopic) files['topics.yaml'] += '  - name: shop.payments.v1\n';
  const path = join(mkdtempSync(join(work, 'values-')), 'values.yaml');
  writeFileSync(path, stringify({ ...values, config: { files } }));
  return path;
}

function template(values: Record<string, unknown>, extraTopic = false): KubeObject[] {
  return parseObjects(helm(['template', 'shop', CHART, '--namespace', 'shop-dev', '--values', valuesFile(values, extraTopic)]), 'helm template');
}

const MODES = [
  ['argocd', { mode: 'argocd', revision: SHA }],
  ['argocd with commit discovery', { mode: 'argocd', rbac: { commitDiscovery: true } }],
  ['helm', { mode: 'helm', revision: SHA }],
] as const;

describe('the Helm chart', () => {
  it('passes helm lint in both modes', () => {
    for (const mode of ['argocd', 'helm']) expect(helm(['lint', CHART, '--strict', '--values', valuesFile({ mode })])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(MODES)('%s: every object passes its schema, and every image is pinned', async (_, values) => {
    const objects = template(values);
    const problems: string[] = [];
    for (const object of objects) {
      const problem = await schemaProblem(object);
      if (problem) problems.push(`${name(object)}: ${problem}`);
    }
    expect(problems).toEqual([]);
    expect(images(objects).filter(({ image }) => imageTagProblem(image))).toEqual([]);
  });

  it.each(MODES)('%s: the Jobs run once, bounded, restricted, and after everything they use', (_, values) => {
    const objects = template(values);
    const jobs = objects.filter(isSynchookJob);
    expect(jobs.map((job) => job.metadata.name).sort()).toEqual(['synchook-postsync', 'synchook-presync']);
    for (const job of jobs) expectRunOnceRestricted(job);
    const order = (object: KubeObject) => Number(object.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? object.metadata.annotations?.['helm.sh/hook-weight']);
    const presync = jobs.find((job) => job.metadata.name === 'synchook-presync')!;
    const hook = values.mode === 'argocd' ? 'argocd.argoproj.io/hook' : 'helm.sh/hook';
    expect(presync.metadata.annotations?.[hook]).toBe(values.mode === 'argocd' ? 'PreSync' : 'pre-install,pre-upgrade');
    for (const used of objects.filter((object) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(object.kind) || object.metadata.name === 'synchook-config')) {
      expect(used.metadata.annotations?.[hook], name(used)).toBe(presync.metadata.annotations?.[hook]);
      expect(order(used), name(used)).toBeLessThan(order(presync));
    }
  });

  it.each(MODES)('%s: the Jobs get the commit as REVISION, or may look it up', (_, values) => {
    const objects = template(values);
    const discovery = 'rbac' in values;
    expect(objects.some((object) => object.kind === 'Role')).toBe(discovery);
    for (const job of objects.filter(isSynchookJob)) {
      const pod = podTemplate(job);
      const env = pod.containers[0].env as any[];
      expect(env.find((variable) => variable.name === 'REVISION')?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.annotations['synchook.dev/revision']");
      expect(job.spec.template.metadata.annotations['synchook.dev/revision']).toBe('revision' in values ? SHA : '');
      expect(pod.automountServiceAccountToken, name(job)).toBe(discovery);
      expect(env.some((variable) => variable.name === 'SYNCHOOK_COMMIT_DISCOVERY' && variable.value === 'off'), name(job)).toBe(!discovery);
    }
  });

  it('argocd: a change of one topic file changes an object ArgoCD compares; helm: it changes the Jobs', () => {
    const managed = (objects: KubeObject[]) => objects.filter((object) => !object.metadata.annotations?.['argocd.argoproj.io/hook']).map((object) => `${object.kind}/${object.metadata.name}`);
    const argoBefore = template({ mode: 'argocd' });
    const argoAfter = template({ mode: 'argocd' }, true);
    expect(managed(argoBefore)).toEqual([expect.stringMatching(/^ConfigMap\/synchook-config-version-[0-9a-f]{10}$/)]);
    expect(managed(argoAfter)).not.toEqual(managed(argoBefore));
    const jobTemplate = (objects: KubeObject[]) => objects.find((object) => object.metadata.name === 'synchook-presync')!.spec.template;
    expect(jobTemplate(template({ mode: 'helm' }, true))).not.toEqual(jobTemplate(template({ mode: 'helm' })));
  });

  it('refuses an unpinned image, a config without synchook.yaml, and an unknown mode, with a sentence saying what to do', () => {
    expect(() => template({ image: { tag: 'latest' } })).toThrow(/image.tag: pin a version/);
    expect(() => helm(['template', 'shop', CHART])).toThrow(/config.files must hold synchook.yaml/);
    expect(() => template({ mode: 'flux' })).toThrow(/mode must be argocd or helm, not "flux"/);
  });
});
