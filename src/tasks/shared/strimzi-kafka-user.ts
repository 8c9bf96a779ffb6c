/**
 * Strimzi KafkaUser resources (kafka.strimzi.io/v1beta2 and v1) read as declarations: the ACLs of
 * spec.authorization (type simple) and the quotas of spec.quotas, for the user the resource names.
 *
 * Field names and values from Strimzi's API reference ("KafkaUser schema reference",
 * "AclRule", "AclRuleResource", "KafkaUserQuotas"): a SCRAM user's principal is User:<name>, a TLS
 * user's User:CN=<name>; resource types topic, group, cluster, transactionalId; pattern types
 * literal and prefix; operations Read, Write, Create, Delete, Alter, Describe, ClusterAction,
 * AlterConfigs, DescribeConfigs, IdempotentWrite, All; rule type allow or deny. v1 drops the
 * single `operation` of v1beta2 in favour of `operations`.
 */
import { z } from 'zod';
import type { ParsedYaml } from '../../config/yaml.js';
import { ConfigError } from '../../errors.js';
import { parseDocumentPart } from './documents.js';

const KAFKA_USER_API_VERSIONS = ['kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v1'] as const;

const OPERATIONS = ['Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'AlterConfigs', 'DescribeConfigs', 'IdempotentWrite', 'All'] as const;

const AclRule = z
  .strictObject({
    resource: z.strictObject({
      type: z.enum(['topic', 'group', 'cluster', 'transactionalId'], { error: 'expected topic, group, cluster or transactionalId' }),
      name: z.string().min(1, { error: 'must not be empty' }).optional(),
      patternType: z.enum(['literal', 'prefix'], { error: 'expected literal or prefix' }).default('literal'),
    }),
    type: z.enum(['allow', 'deny'], { error: 'expected allow or deny' }).default('allow'),
    host: z.string().min(1).default('*'),
    operation: z.enum(OPERATIONS, { error: `expected one of ${OPERATIONS.join(', ')}` }).optional(),
    operations: z.array(z.enum(OPERATIONS, { error: `expected one of ${OPERATIONS.join(', ')}` })).min(1).optional(),
  })
  .superRefine((rule, ctx) => {
    if (!rule.operation && !rule.operations) ctx.addIssue({ code: 'custom', message: 'operations is required' });
    if (rule.resource.type !== 'cluster' && rule.resource.name === undefined) ctx.addIssue({ code: 'custom', path: ['resource', 'name'], message: `a ${rule.resource.type} rule needs resource.name ("*" for every ${rule.resource.type})` });
  });

const Quotas = z.strictObject({
  producerByteRate: z.int().positive().optional(),
  consumerByteRate: z.int().positive().optional(),
  requestPercentage: z.number().positive().optional(),
  controllerMutationRate: z.number().positive().optional(),
});

const KafkaUserResource = z.looseObject({
  apiVersion: z.enum(KAFKA_USER_API_VERSIONS, { error: `expected one of ${KAFKA_USER_API_VERSIONS.join(', ')}` }),
  kind: z.literal('KafkaUser'),
  metadata: z.looseObject({ name: z.string({ error: 'expected metadata.name' }).min(1, { error: 'must not be empty' }) }),
  spec: z
    .looseObject({
      authentication: z.looseObject({ type: z.enum(['tls', 'tls-external', 'scram-sha-512'], { error: 'expected tls, tls-external or scram-sha-512' }) }).optional(),
      authorization: z.looseObject({ type: z.string(), acls: z.array(AclRule).default([]) }).optional(),
      quotas: Quotas.optional(),
    })
    .optional(),
});

interface KafkaUserAcl {
  /** TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID: Kafka's names, as synchook's ACL files write them. */
  resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
  /** Absent for the cluster. */
  resourceName?: string;
  patternType: 'LITERAL' | 'PREFIXED';
  /** READ, WRITE, CLUSTER_ACTION, ... */
  operations: string[];
  permission: 'ALLOW' | 'DENY';
  host: string;
  /** file:line:col of the rule. */
  source: string;
}

export interface KafkaUserDeclaration {
  /** metadata.name. */
  name: string;
  /** User:<name>, or User:CN=<name> for a TLS user. */
  principal: string;
  /** The quota entity's user name: the principal without "User:". */
  quotaUser: string;
  /** undefined when the resource has no authorization section (Strimzi then removes every ACL of the user). */
  acls?: KafkaUserAcl[];
  /** Strimzi's spec.quotas, with its own key names. */
  quotas?: z.output<typeof Quotas>;
  source: string;
}

export function isKafkaUser(value: Record<string, unknown>): boolean {
  return value.kind === 'KafkaUser' && typeof value.apiVersion === 'string' && value.apiVersion.startsWith('kafka.strimzi.io/');
}

const RESOURCE_TYPE = { topic: 'TOPIC', group: 'GROUP', cluster: 'CLUSTER', transactionalId: 'TRANSACTIONAL_ID' } as const;

/** Reads one KafkaUser document; a malformed one is a ConfigError naming the file, line and field. */
export function readKafkaUser(doc: ParsedYaml): KafkaUserDeclaration {
  const resource = parseDocumentPart(KafkaUserResource, doc, doc.value);
  const name = resource.metadata.name;
  const tls = resource.spec?.authentication?.type === 'tls' || resource.spec?.authentication?.type === 'tls-external';
  const quotaUser = tls ? `CN=${name}` : name;
  const authorization = resource.spec?.authorization;
  if (authorization && authorization.type !== 'simple') {
    throw new ConfigError(`${doc.locate(['spec', 'authorization', 'type'])}: KafkaUser ${name} uses authorization type ${authorization.type}; synchook manages Kafka's own ACLs (type simple) only. Use type: simple, or leave this KafkaUser out of the ACL files.`);
  }
  if (resource.apiVersion === 'kafka.strimzi.io/v1') {
    authorization?.acls.forEach((rule, index) => {
      if (rule.operation) throw new ConfigError(`${doc.locate(['spec', 'authorization', 'acls', index, 'operation'])}: kafka.strimzi.io/v1 has no single operation; write operations: [${rule.operation}].`);
    });
  }
  return {
    name,
    principal: `User:${quotaUser}`,
    quotaUser,
    acls: authorization?.acls.map((rule, index) => ({
      resourceType: RESOURCE_TYPE[rule.resource.type],
      ...(rule.resource.type === 'cluster' ? {} : { resourceName: rule.resource.name }),
      patternType: rule.resource.patternType === 'prefix' ? 'PREFIXED' : 'LITERAL',
      operations: (rule.operations ?? [rule.operation!]).map((operation) => operation.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()),
      permission: rule.type === 'deny' ? 'DENY' : 'ALLOW',
      host: rule.host,
      source: doc.locate(['spec', 'authorization', 'acls', index]),
    })),
    quotas: resource.spec?.quotas,
    source: doc.locate([]),
  };
}
