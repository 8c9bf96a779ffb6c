import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fluxArtifact } from './flux-source.js';
import { REPO, build, buildIn, describe as name, type KubeObject } from './render.js';

/**
 * What makes ArgoCD and Flux run synchook again. ArgoCD syncs an Application only when an object
 * that is not a hook differs from the cluster (hooks are not compared: argo-cd issues 9774, 9830,
 * 21939); Flux runs a Job again only when its template changes (force: enabled recreates it).
 * A pull request that only adds a topic must do one of both, or it merges green and nothing runs.
 */

const ARGOCD_HOOK = 'argocd.argoproj.io/hook';
const work = mkdtempSync(join(tmpdir(), 'synchook-sync-triggers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of hooks/ and manifests/, built before and after one more topic in dev's topics.yaml (all roots together). */
function beforeAndAfterNewTopic(...roots: string[]): { before: KubeObject[]; after: KubeObject[] } {
  const tree = mkdtempSync(join(work, 'tree-'));
  for (const folder of ['hooks', 'manifests']) cpSync(join(REPO, folder), join(tree, folder), { recursive: true });
  const before = roots.flatMap((root) => buildIn(tree, root));
  const topics = join(tree, 'manifests/overlays/dev/synchook/topics.yaml');
  writeFileSync(topics, `${readFileSync(topics, 'utf8')}  - name: shop.payments.v1\n`);
  return { before, after: roots.flatMap((root) => buildIn(tree, root)) };
}

/** The folders the example's ArgoCD Application shop-dev renders (its sources). */
function argoCdSources(application: string): string[] {
  const app = build('manifests/argocd').find((object) => object.kind === 'Application' && object.metadata.name === application)!;
  return (app.spec.sources ?? [app.spec.source]).map((source: { path: string }) => source.path);
}

function isHook(object: KubeObject): boolean {
  return object.metadata.annotations?.[ARGOCD_HOOK] !== undefined;
}

const key = (object: KubeObject) => `${object.kind}/${object.metadata.name}`;

describe('a change of one topic file', () => {
  it('changes an object ArgoCD compares (not a hook), and the PreSync Job reads the new file', () => {
    const { before, after } = beforeAndAfterNewTopic(...argoCdSources('shop-dev'));
    const managedBefore = before.filter((object) => !isHook(object)).map(key).sort();
    const managedAfter = after.filter((object) => !isHook(object)).map(key).sort();
    expect(managedAfter, 'the managed objects of the Application').not.toEqual(managedBefore);
    const added = managedAfter.filter((object) => !managedBefore.includes(object));
    expect(added).toEqual([expect.stringMatching(/^ConfigMap\/synchook-config-version-/)]);

    // The PreSync Job mounts the hook ConfigMap, which ArgoCD creates again before every sync.
    const presync = after.find((object) => object.kind === 'Job' && object.metadata.annotations?.[ARGOCD_HOOK] === 'PreSync')!;
    const mounted = presync.spec.template.spec.volumes.find((volume: any) => volume.name === 'config').projected.sources[0].configMap.name;
    const config = after.find((object) => object.kind === 'ConfigMap' && object.metadata.name === mounted)!;
    expect(isHook(config), name(config)).toBe(true);
    expect(config.data!['topics.yaml']).toContain('shop.payments.v1');
  });

  it('changes the template of the Flux pre-deploy Job, so Flux creates it again', () => {
    const { before, after } = beforeAndAfterNewTopic('manifests/overlays/dev/flux/pre-deploy');
    const template = (objects: KubeObject[]) => objects.find((object) => object.kind === 'Job')!.spec.template;
    expect(template(after)).not.toEqual(template(before));
    expect(build('manifests/overlays/dev/flux/pre-deploy').find((object) => object.kind === 'Job')!.metadata.annotations?.['kustomize.toolkit.fluxcd.io/force']).toBe('enabled');
  });
});

describe('what Flux fetches', () => {
  const flux = build('manifests/flux');
  const sources = flux.filter((object) => object.kind === 'GitRepository');
  const kustomizations = flux.filter((object) => object.kind === 'Kustomization');

  it('is one GitRepository that every Kustomization reads', () => {
    expect(sources).toHaveLength(1);
    for (const kustomization of kustomizations) expect(kustomization.spec.sourceRef, name(kustomization)).toEqual({ kind: 'GitRepository', name: sources[0]!.metadata.name });
  });

  let artifact: string | undefined;
  it.each(kustomizations.map((object) => [object.metadata.name!, object.spec.path as string]))('%s: %s builds from the files the GitRepository keeps', (_, path) => {
    artifact ??= fluxArtifact(sources[0]!.spec.ignore ?? '', work);
    expect(buildIn(artifact, path).length).toBeGreaterThan(0);
  });
});
