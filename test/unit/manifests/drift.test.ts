import { describe, expect, it } from 'vitest';
import { PLAN_HAS_CHANGES_EXIT_CODE } from '../../../src/errors.js';
import { build, type KubeObject } from './render.js';
import { imageTagProblem, securityProblems } from './job-rules.js';

/** The drift CronJob (hooks/drift), rendered with kustomize; its schema is checked with every root in manifests.test.ts. */

describe('hooks/drift', () => {
  const objects = build('hooks/drift');
  const cronJob = objects.find((object) => object.kind === 'CronJob')!;
  const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'drift' }, spec: cronJob?.spec.jobTemplate.spec };
  const pod = job.spec.template.spec;
  const container = pod.containers.find((candidate: { name: string }) => candidate.name === 'synchook');

  it('runs the plan with the detailed exit code and the drift status, never two at once', () => {
    expect(cronJob).toBeDefined();
    expect(container.args).toEqual(['plan', '--detailed-exitcode', '--drift-status']);
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    expect(cronJob.spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(600);
    expect(pod.restartPolicy).toBe('Never');
    // The exit code the comment in the manifest documents is the one synchook uses.
    expect(PLAN_HAS_CHANGES_EXIT_CODE).toBe(11);
  });

  it('reports to the deployed commit given as REVISION, without Kubernetes API access', () => {
    const env = container.env as Array<{ name: string; value?: string }>;
    expect(env.find((variable) => variable.name === 'REVISION')?.value).toBe('${REVISION:=}');
    expect(env.find((variable) => variable.name === 'SYNCHOOK_CONFIG')?.value).toBe('/config/synchook.yaml');
    expect(pod.automountServiceAccountToken).toBe(false);
    const account = objects.find((object) => object.kind === 'ServiceAccount' && object.metadata.name === pod.serviceAccountName);
    expect(account).toBeDefined();
    expect(objects.filter((object) => object.kind === 'Role' || object.kind === 'RoleBinding')).toEqual([]);
  });

  it('is a restricted pod with a pinned image and a writable /tmp only', () => {
    expect(securityProblems(job)).toEqual([]);
    expect(imageTagProblem(container.image)).toBeUndefined();
    const tmp = container.volumeMounts.find((mount: { mountPath: string }) => mount.mountPath === '/tmp');
    expect(pod.volumes.find((volume: { name: string }) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(job.spec.template.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
  });
});
