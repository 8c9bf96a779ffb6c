import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { parseAllDocuments } from 'yaml';
import { ensureCrdsFetched, startKubernetes, type Json, type KubernetesInfo } from '../harness/kubernetes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubernetes: KubernetesInfo & { crds: string[] };
  }
}

/**
 * Starts one etcd and kube-apiserver for the kubernetes project, installs the published CRDs of
 * Argo CD, Flux, Sealed Secrets, External Secrets and Strimzi, and hands the address, CA and
 * administrator token to the tests through provide/inject.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const crdDir = ensureCrdsFetched();
  const kubernetes = await startKubernetes();
  const up = Date.now() - started;
  const crds = readCrds(crdDir);
  await kubernetes.installCrds(crds);
  process.stdout.write(`harness: kube-apiserver ${kubernetes.version} at ${kubernetes.url} up in ${up} ms; ${crds.length} CRDs from ${crdDir} installed in ${Date.now() - started - up} ms\n`);
  const { url, host, port, caFile, caPem, adminToken, version } = kubernetes;
  project.provide('kubernetes', { url, host, port, caFile, caPem, adminToken, version, crds: crds.map((crd) => crd.metadata.name as string) });
  return () => kubernetes.stop();
}

/** Every CustomResourceDefinition in the YAML files of the folder's sub-folders (one per project). */
function readCrds(dir: string): Json[] {
  const crds: Json[] = [];
  for (const project of readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const name of readdirSync(join(dir, project.name)).filter((file) => file.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, project.name, name), 'utf8'))) {
        const value = doc.toJS({ maxAliasCount: -1 }) as Json | null;
        if (value?.kind === 'CustomResourceDefinition') crds.push(value);
      }
    }
  }
  return crds;
}
