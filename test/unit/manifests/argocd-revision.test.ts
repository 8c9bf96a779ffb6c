import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/synchook-config.js';
import { REPO, build, buildIn, describe as name, kustomize } from './render.js';

/**
 * The commit an ArgoCD hook reports to, without RBAC: the Application's kustomize options put
 * $ARGOCD_APP_REVISION (ArgoCD's build environment) into the synchook.dev/revision annotation,
 * and the Jobs read it through the downward API as REVISION. ArgoCD applies commonAnnotations
 * with `kustomize edit add annotation` in the source's folder before `kustomize build`
 * (util/kustomize in argo-cd), substituting the build environment first when
 * commonAnnotationsEnvsubst is true; the test does the same.
 */

const SHA = '0f3a9c1d2b4e5f60718293a4b5c6d7e8f9012345';
const ANNOTATION = 'synchook.dev/revision';
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const work = mkdtempSync(join(tmpdir(), 'synchook-argocd-revision-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function application(env: string): any {
  return build('manifests/argocd').find((object) => object.kind === 'Application' && object.metadata.name === `shop-${env}`);
}

/** What ArgoCD renders for one source of an Application, its build environment substituted. */
function renderAsArgoCd(source: any, environment: Record<string, string>) {
  const tree = mkdtempSync(join(work, 'tree-'));
  for (const folder of ['hooks', 'manifests']) cpSync(join(REPO, folder), join(tree, folder), { recursive: true });
  const annotations = source.kustomize?.commonAnnotations ?? {};
  if (Object.keys(annotations).length > 0) {
    const substitute = (value: string) => (source.kustomize.commonAnnotationsEnvsubst ? value.replace(/\$\{?(\w+)\}?/g, (_, variable: string) => environment[variable] ?? '') : value);
    const args = Object.entries(annotations).map(([key, value]) => `${key}:${substitute(value as string)}`);
    execFileSync(kustomize(), ['edit', 'add', 'annotation', ...args], { cwd: join(tree, source.path), stdio: 'pipe' });
  }
  return buildIn(tree, source.path);
}

describe('the commit of an ArgoCD sync', () => {
  it.each(ENVIRONMENTS)('shop-%s: reaches every hook Job as REVISION, and synchook.yaml reports to it', (env) => {
    const sources = application(env).spec.sources as any[];
    const hooks = sources.find((source) => source.path === `manifests/overlays/${env}/hooks`);
    expect(hooks?.kustomize).toEqual({ commonAnnotationsEnvsubst: true, commonAnnotations: { [ANNOTATION]: '$ARGOCD_APP_REVISION' } });
    const objects = renderAsArgoCd(hooks, { ARGOCD_APP_REVISION: SHA });
    const jobs = objects.filter((object) => object.kind === 'Job');
    expect(jobs.map((job) => job.metadata.name).sort()).toEqual(['synchook-postsync', 'synchook-presync']);
    for (const job of jobs) {
      expect(job.spec.template.metadata.annotations[ANNOTATION], name(job)).toBe(SHA);
      const env = job.spec.template.spec.containers[0].env as any[];
      expect(env.find((variable) => variable.name === 'REVISION')?.valueFrom?.fieldRef?.fieldPath, name(job)).toBe(`metadata.annotations['${ANNOTATION}']`);
    }
    // synchook.yaml as the Job sees it, with REVISION as the downward API sets it.
    const config = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'synchook-config')!;
    const folder = join(work, `config-${env}`);
    mkdirSync(join(folder, 'secrets'), { recursive: true });
    for (const [file, text] of Object.entries(config.data!)) writeFileSync(join(folder, file), text);
    for (const file of ['kafka-password', 'github-token', 'kafka-ca.crt']) writeFileSync(join(folder, 'secrets', file), 'placeholder\n');
    const loaded = loadConfig(join(folder, 'synchook.yaml'), { SYNCHOOK_SECRETS: join(folder, 'secrets'), REVISION: SHA });
    expect((loaded.config as any).report.github.sha).toBe(SHA);
  });

  it.each(ENVIRONMENTS)("shop-%s: the application's own source is not annotated (its pods would restart on every commit)", (env) => {
    const sources = application(env).spec.sources as any[];
    const app = sources.find((source) => source.path === `manifests/overlays/${env}/app`);
    expect(app).toBeDefined();
    expect(app.kustomize?.commonAnnotations).toBeUndefined();
    expect(build(app.path).some((object) => object.kind === 'Job')).toBe(false);
  });
});
