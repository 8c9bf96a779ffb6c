import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

let kustomizeBinary: string | undefined;

/** kustomize from the Go module proxy, built once into the cache by scripts/install-kustomize.sh. */
export function kustomize(): string {
  if (!kustomizeBinary) {
    kustomizeBinary = execFileSync('bash', [join(REPO, 'scripts/install-kustomize.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }
  return kustomizeBinary;
}

/** Every folder under hooks/ and manifests/ with a kustomization that can be built (Components cannot alone). */
export function kustomizationRoots(): string[] {
  const roots: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry === 'kustomization.yaml' && !/^kind:\s*Component\s*$/m.test(readFileSync(path, 'utf8'))) roots.push(relative(REPO, dir));
    }
  };
  walk(join(REPO, 'hooks'));
  walk(join(REPO, 'manifests'));
  return roots.sort();
}

const built = new Map<string, KubeObject[]>();

/** `kustomize build <root>` of this repository, parsed and cached. */
export function build(root: string): KubeObject[] {
  const cached = built.get(root);
  if (cached) return cached;
  const objects = buildIn(REPO, root);
  built.set(root, objects);
  return objects;
}

/** `kustomize build <root>` in any tree (a copy of the repository, what Flux fetches); a build error fails with kustomize's own message. */
export function buildIn(tree: string, root: string): KubeObject[] {
  let text: string;
  try {
    text = execFileSync(kustomize(), ['build', join(tree, root)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`kustomize build ${root} failed: ${stderr.trim()}`);
  }
  return parseObjects(text, `kustomize build ${root}`);
}

/** Multi-document YAML (kustomize's or helm's output) as objects. */
export function parseObjects(text: string, what: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${what}: unparsable output: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

export function describe(object: KubeObject): string {
  return `${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '(no name)'}`;
}
