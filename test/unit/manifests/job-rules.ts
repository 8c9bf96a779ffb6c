import { expect } from 'vitest';
import { describe, type KubeObject } from './render.js';

/** What every synchook Job and every workload image must satisfy, whatever renders them (kustomize, Helm). */

export function isSynchookJob(object: KubeObject): boolean {
  return object.kind === 'Job' && object.metadata.labels?.['app.kubernetes.io/name'] === 'synchook';
}

export function podTemplate(object: KubeObject): any {
  return object.kind === 'Job' || object.kind === 'Deployment' ? object.spec?.template?.spec : undefined;
}

/** What a restricted pod (Pod Security Standards, "restricted") must say, as readable problems. */
export function securityProblems(job: KubeObject): string[] {
  const pod = podTemplate(job);
  const problems: string[] = [];
  if (pod.securityContext?.runAsNonRoot !== true) problems.push('pod securityContext.runAsNonRoot is not true');
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push('pod seccompProfile is not RuntimeDefault');
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const context = container.securityContext ?? {};
    if (context.allowPrivilegeEscalation !== false) problems.push(`${container.name}: allowPrivilegeEscalation is not false`);
    if (context.readOnlyRootFilesystem !== true) problems.push(`${container.name}: readOnlyRootFilesystem is not true`);
    if (context.runAsNonRoot !== true) problems.push(`${container.name}: runAsNonRoot is not true`);
    if (!(context.capabilities?.drop ?? []).includes('ALL')) problems.push(`${container.name}: capabilities do not drop ALL`);
    if (context.privileged === true) problems.push(`${container.name}: privileged`);
    if ((context.capabilities?.add ?? []).length > 0) problems.push(`${container.name}: adds capabilities`);
  }
  return problems;
}

/** Every container image of every workload, with where it was found. */
export function images(objects: KubeObject[]): Array<{ where: string; image: string }> {
  return objects.flatMap((object) => {
    const pod = podTemplate(object);
    if (!pod) return [];
    return [...(pod.initContainers ?? []), ...pod.containers].map((container: { name: string; image: string }) => ({ where: `${describe(object)} container ${container.name}`, image: container.image }));
  });
}

export function imageTagProblem(image: string): string | undefined {
  const [name, digest] = image.split('@');
  if (digest) return /^sha256:[0-9a-f]{64}$/.test(digest) ? undefined : `digest ${digest} is not sha256:<64 hex>`;
  const slash = name!.lastIndexOf('/');
  const colon = name!.lastIndexOf(':');
  if (colon <= slash) return 'has no tag: pin a version';
  const tag = name!.slice(colon + 1);
  if (tag === 'latest') return 'uses the tag latest: pin a version';
  return /^[\w][\w.-]{0,127}$/.test(tag) ? undefined : `tag "${tag}" is not a valid tag`;
}

/** A synchook Job runs once, bounded, restricted, without a sidecar, and reads /config/synchook.yaml. */
export function expectRunOnceRestricted(job: KubeObject): void {
  const pod = podTemplate(job);
  const where = describe(job);
  expect(job.spec.backoffLimit, `${where}: backoffLimit`).toBe(0);
  expect(job.spec.activeDeadlineSeconds, `${where}: activeDeadlineSeconds`).toBeGreaterThan(600);
  expect(job.spec.ttlSecondsAfterFinished, `${where}: a TTL deletes the Job before ArgoCD or Flux sees it finish`).toBeUndefined();
  expect(pod.restartPolicy, `${where}: restartPolicy`).toBe('Never');
  expect(securityProblems(job), where).toEqual([]);
  expect(job.spec.template.metadata?.annotations?.['sidecar.istio.io/inject'], `${where}: Istio sidecar`).toBe('false');
  expect(job.spec.template.metadata?.annotations?.['linkerd.io/inject'], `${where}: Linkerd proxy`).toBe('disabled');
  const container = pod.containers.find((candidate: { name: string }) => candidate.name === 'synchook');
  expect(container?.args?.[0], `${where}: command`).toMatch(/^(presync|postsync)$/);
  // The only writable path of the read-only root file system.
  const tmp = container.volumeMounts.find((mount: { mountPath: string }) => mount.mountPath === '/tmp');
  expect(pod.volumes.find((volume: { name: string }) => volume.name === tmp?.name)?.emptyDir, `${where}: /tmp is an emptyDir`).toBeDefined();
  expect(container.env.find((variable: { name: string }) => variable.name === 'SYNCHOOK_CONFIG')?.value).toBe('/config/synchook.yaml');
}
