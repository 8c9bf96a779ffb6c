import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO, build, kustomizationRoots, type KubeObject } from '../unit/manifests/render.js';

/**
 * Every rendered output of hooks/ and manifests/, found on disk: each kustomization that builds on
 * its own, and each Helm chart (rendered with its default values and with every ci/*values.yaml,
 * the files chart-testing renders) when scripts/install-helm.sh is there to provide helm.
 */
export interface RenderedOutput {
  /** e.g. "hooks/argocd" or "helm hooks/chart (ci/rbac-values.yaml)". */
  name: string;
  objects: KubeObject[];
}

export function renderedOutputs(): { outputs: RenderedOutput[]; notRendered: string[] } {
  const outputs: RenderedOutput[] = kustomizationRoots().map((root) => ({ name: root, objects: build(root) }));
  const notRendered: string[] = [];
  const charts = helmCharts();
  if (charts.length > 0) {
    const installer = join(REPO, 'scripts/install-helm.sh');
    if (!existsSync(installer)) {
      notRendered.push(...charts.map((chart) => `${chart}: a Helm chart, and there is no scripts/install-helm.sh to provide helm`));
    } else {
      const helm = execFileSync('bash', [installer], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
      for (const chart of charts) {
        const ciDir = join(REPO, chart, 'ci');
        const valueFiles = existsSync(ciDir) ? readdirSync(ciDir).filter((file) => /values\.ya?ml$/.test(file)).sort().map((file) => `ci/${file}`) : [];
        for (const values of [undefined, ...valueFiles]) {
          // The chart refuses to render without a config: give it the example environment's.
          const config = ['--set-file', `config.files.synchook\\.yaml=${join(REPO, 'manifests/overlays/dev/synchook/synchook.yaml')}`];
          const args = ['template', 'synchook', join(REPO, chart), '--namespace', 'synchook-helm', ...config, ...(values ? ['--values', join(REPO, chart, values)] : [])];
          outputs.push({ name: `helm ${chart}${values ? ` (${values})` : ''}`, objects: parseObjects(execFileSync(helm, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })) });
        }
      }
    }
  }
  return { outputs, notRendered };
}

function helmCharts(): string[] {
  const charts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== 'charts' && entry !== 'templates') walk(path);
      } else if (entry === 'Chart.yaml') charts.push(relative(REPO, dir));
    }
  };
  walk(join(REPO, 'hooks'));
  walk(join(REPO, 'manifests'));
  return charts.sort();
}

function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject | null).filter((value): value is KubeObject => Boolean(value));
}
