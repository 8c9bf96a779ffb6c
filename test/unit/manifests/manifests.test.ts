import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe as group, expect, it } from 'vitest';
import { loadConfig } from '../../../src/synchook-config.js';
import { runValidate } from '../../../src/commands/validate.js';
import { createLogger } from '../../../src/log.js';
import { REPO, build, describe, kustomizationRoots, parseObjects, type KubeObject } from './render.js';
import { schemaProblem } from './schemas.js';
import { expectRunOnceRestricted, imageTagProblem, images, isSynchookJob, podTemplate } from './job-rules.js';

/**
 * The hook bases and the example environment, rendered with kustomize as ArgoCD and Flux render
 * them, validated against each kind's schema, and held to the rules a hook Job must follow.
 */

const ROOTS = kustomizationRoots();
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const ARGOCD_HOOK = 'argocd.argoproj.io/hook';

/** The managed copy of synchook's files whose name carries their hash. */
function isConfigVersion(object: KubeObject): boolean {
  return object.kind === 'ConfigMap' && /^synchook-config-version-/.test(object.metadata.name ?? '');
}

group('kustomize build', () => {
  it('finds the hook bases and every overlay of the example environment', () => {
    expect(ROOTS).toEqual(
      expect.arrayContaining([
        'hooks/argocd',
        'hooks/flux',
        'hooks/flux/pre-deploy',
        'hooks/flux/post-deploy',
        'manifests/argocd',
        'manifests/flux',
        ...ENVIRONMENTS.flatMap((env) => [`manifests/overlays/${env}/app`, `manifests/overlays/${env}/hooks`, `manifests/overlays/${env}/platform`, `manifests/overlays/${env}/flux/pre-deploy`, `manifests/overlays/${env}/flux/deploy`, `manifests/overlays/${env}/flux/post-deploy`]),
      ]),
    );
  });

  it.each(ROOTS)('%s builds, and every object passes its schema', async (root) => {
    const objects = build(root);
    expect(objects.length, `${root} renders no object`).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const object of objects) {
      const problem = await schemaProblem(object);
      if (problem) problems.push(`${describe(object)}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it.each(ROOTS)('%s pins every image to a version', (root) => {
    const problems = images(build(root))
      .map(({ where, image }) => [where, image, imageTagProblem(image)] as const)
      .filter(([, , problem]) => problem)
      .map(([where, image, problem]) => `${where}: ${image} ${problem}`);
    expect(problems).toEqual([]);
  });
});

group('the hook Jobs', () => {
  const jobRoots = ROOTS.filter((root) => build(root).some(isSynchookJob));
  const argoRoots = jobRoots.filter((root) => build(root).some((object) => isSynchookJob(object) && object.metadata.annotations?.[ARGOCD_HOOK]));

  it('are found in the ArgoCD and Flux bases and in every overlay', () => {
    expect(jobRoots).toEqual(expect.arrayContaining(['hooks/argocd', 'hooks/flux/pre-deploy', 'hooks/flux/post-deploy', 'manifests/overlays/prod/hooks', 'manifests/overlays/prod/flux/pre-deploy']));
  });

  it.each(jobRoots)('%s: run once, bounded, restricted, without a sidecar', (root) => {
    for (const job of build(root).filter(isSynchookJob)) expectRunOnceRestricted(job);
  });

  it.each(argoRoots)('%s: ArgoCD hooks that keep a failed Job, with everything they need created first', (root) => {
    const objects = build(root);
    const jobs = objects.filter(isSynchookJob);
    for (const job of jobs) {
      const annotations = job.metadata.annotations ?? {};
      const phase = job.spec.template.spec.containers[0].args[0];
      expect(annotations[ARGOCD_HOOK], describe(job)).toBe(phase === 'presync' ? 'PreSync' : 'PostSync');
      expect(annotations['argocd.argoproj.io/hook-delete-policy'], describe(job)).toBe('BeforeHookCreation');
      expect(annotations['argocd.argoproj.io/sync-wave'], describe(job)).toBe('0');
    }
    // PreSync hooks run before ArgoCD applies anything else: what the Jobs use must be a PreSync
    // hook of an earlier wave, or it would not exist on the first sync.
    const presyncJob = jobs.find((job) => job.metadata.annotations?.[ARGOCD_HOOK] === 'PreSync')!;
    const pod = presyncJob.spec.template.spec;
    const needed = [
      ['ServiceAccount', pod.serviceAccountName],
      ...pod.volumes.flatMap((volume: any) => (volume.projected?.sources ?? []).filter((source: any) => source.configMap && !source.configMap.optional).map((source: any) => ['ConfigMap', source.configMap.name])),
    ] as Array<[string, string]>;
    // The bare base leaves the ConfigMap to the overlay that includes it.
    for (const [kind, name] of needed.filter(([kind]) => root !== 'hooks/argocd' || kind !== 'ConfigMap')) {
      const object = objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
      expect(object, `${root}: ${kind} ${name} used by the PreSync Job`).toBeDefined();
      expect(object!.metadata.annotations?.[ARGOCD_HOOK], `${kind} ${name}`).toMatch(/PreSync/);
      expect(Number(object!.metadata.annotations?.['argocd.argoproj.io/sync-wave']), `${kind} ${name}: sync wave`).toBeLessThan(0);
    }
    // Everything but the versioned copy of the config, which must be a managed object (see below).
    for (const object of objects.filter((candidate) => ['Role', 'RoleBinding', 'ConfigMap'].includes(candidate.kind) && candidate.metadata.labels?.['app.kubernetes.io/name'] === 'synchook' && !isConfigVersion(candidate))) {
      expect(object.metadata.annotations?.[ARGOCD_HOOK], describe(object)).toBe('PreSync');
    }
  });

  it.each(jobRoots.filter((root) => !argoRoots.includes(root)))('%s: Flux recreates the Job when its template changes and passes the revision', (root) => {
    for (const job of build(root).filter(isSynchookJob)) {
      expect(job.metadata.annotations?.['kustomize.toolkit.fluxcd.io/force'], describe(job)).toBe('enabled');
      const env = job.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
      expect(env.find((variable) => variable.name === 'REVISION')?.value).toBe('${REVISION:=}');
      expect(env.find((variable) => variable.name === 'SYNCHOOK_COMMIT_DISCOVERY')?.value).toBe('off');
    }
  });

  it('grants the ArgoCD hook only reads of its pod, its Job and the Application', () => {
    const rules = build('hooks/argocd')
      .filter((object) => object.kind === 'Role')
      .flatMap((role) => (role as any).rules);
    expect(rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
    ]);
    const reader = build('hooks/argocd/argocd-namespace').find((object) => object.kind === 'Role') as any;
    expect(reader.metadata.namespace).toBe('argocd');
    expect(reader.rules).toEqual([{ apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get'], resourceNames: ['my-app'] }]);
  });

  it("lets each example environment's hooks read only the Applications that run them", () => {
    const objects = build('manifests/argocd');
    const reader = objects.find((object) => object.kind === 'Role' && object.metadata.name === 'synchook-application-reader') as any;
    const binding = objects.find((object) => object.kind === 'RoleBinding' && object.metadata.name === 'synchook-application-reader') as any;
    const hookApplications = objects.filter((object) => object.kind === 'Application' && (object.spec.sources ?? [object.spec.source]).some((source: any) => /\/hooks$/.test(source.path)));
    expect(hookApplications.map((app) => app.metadata.name).sort()).toEqual(['shop-dev', 'shop-prod', 'shop-staging']);
    expect(reader.rules).toHaveLength(1);
    expect([...reader.rules[0].resourceNames].sort()).toEqual(hookApplications.map((app) => app.metadata.name).sort());
    expect(binding.subjects.map((subject: any) => subject.namespace).sort()).toEqual(hookApplications.map((app) => app.spec.destination.namespace).sort());
  });
});

group('the ArgoCD app of apps', () => {
  it('orders the platform before the shop, and the order holds because Applications report health again', async () => {
    const applications = build('manifests/argocd').filter((object) => object.kind === 'Application');
    const wave = (name: string) => Number(applications.find((app) => app.metadata.name === name)?.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    for (const env of ENVIRONMENTS) expect(wave(`shop-platform-${env}`), env).toBeLessThan(wave(`shop-${env}`));
    // Without a health check of its own an Application counts as Healthy at once (ArgoCD >= 1.8),
    // and the next wave would start before Kafka exists.
    const [argocdCm] = parseObjects(readFileSync(join(REPO, 'manifests/argocd/argocd-cm-application-health.yaml'), 'utf8'), 'argocd-cm');
    expect(argocdCm!.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    expect(await schemaProblem(argocdCm!)).toBeUndefined();
    const lua = argocdCm!.data!['resource.customizations.health.argoproj.io_Application'];
    expect(lua).toMatch(/hs\.status = obj\.status\.health\.status/);
    expect(lua).toMatch(/hs\.status = "Progressing"/);
  });
});

group('the Flux chain', () => {
  it.each(['hooks/flux', 'manifests/flux'])('%s: pre-deploy → deploy → post-deploy, each waiting, with room for the Job', (root) => {
    const kustomizations = build(root).filter((object) => object.kind === 'Kustomization');
    const byName = new Map(kustomizations.map((object) => [object.metadata.name!, object]));
    const pre = kustomizations.filter((object) => object.metadata.name!.endsWith('pre-deploy'));
    expect(pre.length).toBeGreaterThan(0);
    for (const first of pre) {
      const base = first.metadata.name!.replace(/-pre-deploy$/, '');
      const deploy = kustomizations.find((object) => object.spec.dependsOn?.some((dependency: { name: string }) => dependency.name === first.metadata.name));
      expect(deploy, `a Kustomization depending on ${first.metadata.name}`).toBeDefined();
      const post = byName.get(`${base}-post-deploy`);
      expect(post?.spec.dependsOn, `${base}-post-deploy depends on the deployment`).toEqual([{ name: deploy!.metadata.name }]);
      for (const step of [first, deploy!, post!]) {
        expect(step.spec.wait, `${step.metadata.name}: wait`).toBe(true);
        expect(step.spec.timeout, `${step.metadata.name}: timeout`).toMatch(/^\d+m$/);
      }
      // Longer than the Jobs' activeDeadlineSeconds (900 s and 720 s), so the Job's own failure shows.
      expect(Number.parseInt(first.spec.timeout, 10) * 60).toBeGreaterThan(900);
      expect(Number.parseInt(post!.spec.timeout, 10) * 60).toBeGreaterThan(720);
      expect(first.spec.postBuild?.substitute).toHaveProperty('REVISION');
    }
  });

  it.each(ENVIRONMENTS)("%s: Flux leaves the ${...} of synchook's files alone", (env) => {
    const configMaps = build(`manifests/overlays/${env}/flux/pre-deploy`).filter((object) => object.kind === 'ConfigMap');
    expect(configMaps.map((object) => object.metadata.name)).toEqual(['synchook-config', expect.stringMatching(/^synchook-config-version-[a-z0-9]{10}$/)]);
    for (const configMap of configMaps) expect(configMap.metadata.annotations?.['kustomize.toolkit.fluxcd.io/substitute'], describe(configMap)).toBe('disabled');
  });
});

group('the example synchook configs', () => {
  const work = mkdtempSync(join(tmpdir(), 'synchook-manifests-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The files the Job sees in /config: the data of the ConfigMaps it mounts, written out. */
  function configFolder(env: string): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = join(work, env);
    const secrets = join(dir, 'secrets');
    mkdirSync(secrets, { recursive: true });
    for (const object of build(`manifests/overlays/${env}/hooks`)) {
      if (object.kind !== 'ConfigMap' || !object.metadata.name?.startsWith('synchook-')) continue;
      for (const [file, text] of Object.entries(object.data ?? {})) writeFileSync(join(dir, file), text);
    }
    for (const file of ['kafka-password', 'github-token', 'kafka-ca.crt']) writeFileSync(join(secrets, file), `placeholder ${file}\n`);
    return { dir, env: { SYNCHOOK_SECRETS: secrets } };
  }

  it.each(ENVIRONMENTS)('%s: loads with every task section accepted, and passes synchook validate', async (env) => {
    const folder = configFolder(env);
    const loaded = loadConfig(join(folder.dir, 'synchook.yaml'), folder.env);
    expect(loaded.config.environment).toBe(env);
    for (const section of ['schemas', 'topics', 'smoke', 'health', 'report']) expect(loaded.config, `${env}: section ${section}`).toHaveProperty(section);
    const out: string[] = [];
    const code = await runValidate({
      configPath: join(folder.dir, 'synchook.yaml'),
      log: createLogger({ level: 'silent' }),
      signal: new AbortController().signal,
      env: folder.env,
      out: (text) => out.push(text),
    });
    expect(out.join('\n')).not.toMatch(/FAIL/);
    expect(code).toBe(0);
  });

  it.each(ENVIRONMENTS)('%s: the Job sees exactly the files of manifests/overlays/<env>/synchook', (env) => {
    // So that `synchook plan -c manifests/overlays/<env>/synchook/synchook.yaml` in CI reads what the Job reads.
    const folder = join(REPO, 'manifests/overlays', env, 'synchook');
    const inRepo = Object.fromEntries(
      readdirSync(folder)
        .filter((file) => file !== 'kustomization.yaml')
        .map((file) => [file, readFileSync(join(folder, file), 'utf8')]),
    );
    const configMap = build(`manifests/overlays/${env}/hooks`).find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'synchook-config');
    expect(configMap?.data).toEqual(inRepo);
  });

  it.each(ENVIRONMENTS)('%s: the versioned ConfigMap holds the same files, is not a hook, and every Job names it', (env) => {
    const objects = build(`manifests/overlays/${env}/hooks`);
    const config = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'synchook-config')!;
    const version = objects.find(isConfigVersion);
    expect(version?.data).toEqual(config.data);
    expect(Object.keys(version!.metadata.annotations ?? {}).filter((key) => key.startsWith('argocd.argoproj.io/'))).toEqual([]);
    for (const job of objects.filter(isSynchookJob)) {
      expect(podTemplate(job).volumes.map((volume: any) => volume.configMap?.name).filter(Boolean), describe(job)).toEqual([version!.metadata.name]);
    }
  });

  it.each(ENVIRONMENTS)('%s: ACLs have one owner, the User Operator: synchook manages none, every application user declares its own', (env) => {
    const folder = configFolder(env);
    expect(loadConfig(join(folder.dir, 'synchook.yaml'), folder.env).config).not.toHaveProperty('acls');
    const users = build(`manifests/overlays/${env}/platform`).filter((object) => object.kind === 'KafkaUser');
    // A KafkaUser without authorization has its ACLs deleted by the User Operator.
    expect(users.filter((user) => user.spec.authorization === undefined).map((user) => user.metadata.name)).toEqual([]);
    const synchook = users.find((user) => user.metadata.name === 'synchook')!;
    const clusterRights = synchook.spec.authorization.acls.filter((acl: any) => acl.resource.type === 'cluster').flatMap((acl: any) => acl.operations);
    expect(clusterRights, 'synchook may not change ACLs it does not own').not.toContain('Alter');
  });

  it('differs between environments where a team expects it to', () => {
    const configs = Object.fromEntries(
      ENVIRONMENTS.map((env) => {
        const folder = configFolder(env);
        return [env, loadConfig(join(folder.dir, 'synchook.yaml'), folder.env).config as any];
      }),
    );
    expect(configs.dev.topics.defaults.partitions).toBeLessThan(configs.staging.topics.defaults.partitions);
    expect(configs.staging.topics.defaults.partitions).toBeLessThan(configs.prod.topics.defaults.partitions);
    expect(configs.dev.topics.defaults.replicationFactor).toBe(1);
    expect(configs.prod.topics.defaults.replicationFactor).toBe(3);
    expect(new Set(ENVIRONMENTS.map((env) => configs[env].schemas.compatibility)).size).toBe(3);
    // Only the throwaway environment deletes what is no longer declared.
    expect(configs.dev.topics.delete).toBe('managed');
    expect(configs.prod.topics.delete).toBe('forbid');
    const retention = (env: string) => {
      const topics = build(`manifests/overlays/${env}/hooks`).find((object) => object.metadata.name === 'synchook-config')!.data!['topics.yaml']!;
      return Number(/retention\.ms: (\d+)/.exec(topics)![1]);
    };
    expect(retention('dev')).toBeLessThan(retention('staging'));
    expect(retention('staging')).toBeLessThan(retention('prod'));
    const brokers = (env: string) => build(`manifests/overlays/${env}/platform`).find((object) => object.kind === 'KafkaNodePool')!.spec.replicas;
    expect(brokers('dev')).toBe(1);
    expect(brokers('prod')).toBe(3);
  });
});
