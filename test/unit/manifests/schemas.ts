import { z } from 'zod';
import type { KubeObject } from './render.js';

/**
 * Where the schema of each apiVersion lives: kubernetes-models for Kubernetes' own kinds, the
 * @kubernetes-models packages (generated from each project's CRDs) for Argo CD, Flux,
 * sealed-secrets and External Secrets. Strimzi publishes no such package: its kinds get the
 * structural check below.
 */
const MODEL_MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'argoproj.io/v1alpha1': '@kubernetes-models/argo-cd/argoproj.io/v1alpha1',
  'kustomize.toolkit.fluxcd.io/v1': '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1',
  'source.toolkit.fluxcd.io/v1': '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1',
  'bitnami.com/v1alpha1': '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1',
  'external-secrets.io/v1': '@kubernetes-models/external-secrets/external-secrets.io/v1',
};

type ModelClass = new (data: unknown) => { validate(): void };

/** Validates an object against its kind's schema; returns the problem, or undefined. */
export async function schemaProblem(object: KubeObject): Promise<string | undefined> {
  const strimzi = STRIMZI_KINDS[`${object.apiVersion}/${object.kind}`];
  if (strimzi) {
    const result = strimzi.safeParse(object);
    return result.success ? undefined : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  }
  const module = MODEL_MODULES[object.apiVersion];
  if (!module) return `no schema known for apiVersion ${object.apiVersion}; add its models package to the manifest tests`;
  const models = (await import(module)) as Record<string, ModelClass | undefined>;
  const Model = models[object.kind];
  if (!Model) return `${module} has no kind ${object.kind}`;
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

// Structural checks of the Strimzi resources, after Strimzi's v1beta2 CRDs (strict where a typo
// would silently change the cluster: listener, storage, node roles, user ACLs).
const Name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
const Metadata = z.object({ name: Name, namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() });
const ClusterLabel = Metadata.extend({ labels: z.object({ 'strimzi.io/cluster': Name }).catchall(z.string()) });
const Resources = z.strictObject({ requests: z.record(z.string(), z.union([z.string(), z.number()])).optional(), limits: z.record(z.string(), z.union([z.string(), z.number()])).optional() });

const Listener = z.strictObject({
  name: z.string().regex(/^[a-z0-9]{1,11}$/),
  port: z.int().min(9092).max(65535),
  type: z.enum(['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip']),
  tls: z.boolean(),
  authentication: z.strictObject({ type: z.enum(['tls', 'scram-sha-512', 'oauth', 'custom']) }).optional(),
  configuration: z.record(z.string(), z.unknown()).optional(),
  networkPolicyPeers: z.array(z.unknown()).optional(),
});

const Kafka = z.strictObject({
  apiVersion: z.literal('kafka.strimzi.io/v1beta2'),
  kind: z.literal('Kafka'),
  metadata: Metadata.extend({
    annotations: z.object({ 'strimzi.io/node-pools': z.literal('enabled'), 'strimzi.io/kraft': z.literal('enabled') }).catchall(z.string()),
  }),
  spec: z.strictObject({
    kafka: z.strictObject({
      version: z.string().regex(/^\d+\.\d+\.\d+$/),
      metadataVersion: z.string().regex(/^\d+\.\d+-IV\d+$/).optional(),
      listeners: z.array(Listener).min(1),
      authorization: z.object({ type: z.enum(['simple', 'opa', 'keycloak', 'custom']), superUsers: z.array(z.string()).optional() }).optional(),
      config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      resources: Resources.optional(),
    }),
    entityOperator: z.strictObject({ topicOperator: z.object({}).passthrough().optional(), userOperator: z.object({ resources: Resources.optional() }).passthrough().optional() }).optional(),
    cruiseControl: z.object({}).passthrough().optional(),
    kafkaExporter: z.object({}).passthrough().optional(),
  }),
});

const Volume = z.strictObject({
  id: z.int().min(0),
  type: z.enum(['persistent-claim', 'ephemeral']),
  size: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/).optional(),
  class: z.string().optional(),
  deleteClaim: z.boolean().optional(),
  kraftMetadata: z.literal('shared').optional(),
});

const KafkaNodePool = z.strictObject({
  apiVersion: z.literal('kafka.strimzi.io/v1beta2'),
  kind: z.literal('KafkaNodePool'),
  metadata: ClusterLabel,
  spec: z.strictObject({
    replicas: z.int().min(1),
    roles: z.array(z.enum(['controller', 'broker'])).min(1),
    storage: z.strictObject({ type: z.literal('jbod'), volumes: z.array(Volume).min(1) }),
    resources: Resources.optional(),
    jvmOptions: z.object({}).passthrough().optional(),
  }),
});

const AclRule = z.strictObject({
  resource: z.strictObject({ type: z.enum(['topic', 'group', 'cluster', 'transactionalId']), name: z.string().optional(), patternType: z.enum(['literal', 'prefix']).optional() }),
  operations: z.array(z.enum(['Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'AlterConfigs', 'DescribeConfigs', 'IdempotentWrite', 'All'])).min(1),
  host: z.string().optional(),
  type: z.enum(['allow', 'deny']).optional(),
});

const KafkaUser = z.strictObject({
  apiVersion: z.literal('kafka.strimzi.io/v1beta2'),
  kind: z.literal('KafkaUser'),
  metadata: ClusterLabel,
  spec: z.strictObject({
    authentication: z.strictObject({ type: z.enum(['tls', 'tls-external', 'scram-sha-512']) }),
    authorization: z.strictObject({ type: z.literal('simple'), acls: z.array(AclRule).min(1) }).optional(),
    quotas: z.object({}).passthrough().optional(),
  }),
});

const STRIMZI_KINDS: Record<string, z.ZodType> = {
  'kafka.strimzi.io/v1beta2/Kafka': Kafka,
  'kafka.strimzi.io/v1beta2/KafkaNodePool': KafkaNodePool,
  'kafka.strimzi.io/v1beta2/KafkaUser': KafkaUser,
};
