import { z } from 'zod';
import { NonEmptyString } from '../../config/common.js';
import { parseYamlDocuments, refuseInterpolation } from '../../config/yaml.js';
import { ConfigError } from '../../errors.js';
import { isMapping, parseDocumentPart } from '../shared/documents.js';
import { expandFilePatterns, readInputFile } from '../shared/files.js';
import { isKafkaUser, readKafkaUser } from '../shared/strimzi-kafka-user.js';
import type { AclsSection } from './config.js';
import {
  aclKey,
  CLUSTER_RESOURCE_NAME,
  enumName,
  hostProblem,
  OPERATIONS,
  OPERATIONS_BY_RESOURCE,
  PATTERN_TYPES,
  PERMISSIONS,
  principalProblem,
  RESOURCE_TYPES,
  type AclBinding,
  type AclOperation,
  type DesiredAcl,
} from './model.js';

function enumOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string({ error: `expected one of ${values.join(', ')}` })
    .transform(enumName)
    .pipe(z.enum(values, { error: `expected one of ${values.join(', ')}` }));
}

const Principal = NonEmptyString.superRefine((value, ctx) => {
  const problem = principalProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const Host = z
  .string()
  .default('*')
  .superRefine((value, ctx) => {
    const problem = hostProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const ExplicitAcl = z
  .strictObject({
    principal: Principal,
    host: Host,
    resourceType: enumOf(RESOURCE_TYPES),
    resourceName: NonEmptyString.optional(),
    patternType: enumOf(PATTERN_TYPES).default('LITERAL'),
    operation: enumOf(OPERATIONS).optional(),
    operations: z.array(enumOf(OPERATIONS)).min(1, { error: 'list at least one operation' }).optional(),
    permission: enumOf(PERMISSIONS).default('ALLOW'),
  })
  .superRefine((acl, ctx) => {
    if ((acl.operation === undefined) === (acl.operations === undefined)) {
      ctx.addIssue({ code: 'custom', path: acl.operation === undefined ? [] : ['operations'], message: acl.operation === undefined ? 'operation (or operations) is required' : 'give either operation or operations, not both' });
    }
    if (acl.resourceType === 'CLUSTER') {
      if (acl.resourceName !== undefined && acl.resourceName !== CLUSTER_RESOURCE_NAME) ctx.addIssue({ code: 'custom', path: ['resourceName'], message: `the cluster resource is named ${CLUSTER_RESOURCE_NAME}; omit resourceName` });
      if (acl.patternType !== 'LITERAL') ctx.addIssue({ code: 'custom', path: ['patternType'], message: 'the cluster resource takes patternType LITERAL' });
    } else if (acl.resourceName === undefined) {
      ctx.addIssue({ code: 'custom', path: ['resourceName'], message: `resourceName is required for ${acl.resourceType} ("*" for every ${acl.resourceType.toLowerCase().replace('_', ' ')})` });
    } else if (acl.patternType === 'PREFIXED' && acl.resourceName === '*') {
      ctx.addIssue({ code: 'custom', path: ['resourceName'], message: '"*" is the wildcard of LITERAL patterns; for a prefix give the prefix itself' });
    }
    const allowed = OPERATIONS_BY_RESOURCE[acl.resourceType];
    const operations = acl.operations ?? (acl.operation ? [acl.operation] : []);
    operations.forEach((operation, index) => {
      if (!allowed.includes(operation)) {
        ctx.addIssue({ code: 'custom', path: acl.operations ? ['operations', index] : ['operation'], message: `${acl.resourceType} supports only ${allowed.join(', ')}; ${operation} means nothing on it` });
      }
    });
  });

/** A topic, group or transactional id an application uses: a name, or `{ prefix: "orders." }`. */
const ResourceRef = z.union([NonEmptyString, z.strictObject({ prefix: NonEmptyString })], { error: 'expected a name, or { prefix: "..." }' });
type ResourceRef = z.output<typeof ResourceRef>;

const Application = z
  .strictObject({
    principal: Principal,
    host: Host,
    produces: z.array(ResourceRef).default([]),
    consumes: z.array(ResourceRef).default([]),
    groups: z.array(ResourceRef).default([]),
    transactionalIds: z.array(ResourceRef).default([]),
    idempotent: z.boolean().default(false),
  })
  .superRefine((app, ctx) => {
    if (app.produces.length + app.consumes.length + app.groups.length + app.transactionalIds.length === 0 && !app.idempotent) {
      ctx.addIssue({ code: 'custom', message: 'say what the application does: produces, consumes, groups, transactionalIds or idempotent' });
    }
  });
export type Application = z.output<typeof Application>;

const AclFile = z
  .strictObject({
    acls: z.array(ExplicitAcl).optional(),
    applications: z.array(Application).optional(),
  })
  .superRefine((file, ctx) => {
    if (!file.acls && !file.applications) ctx.addIssue({ code: 'custom', message: 'expected an "acls:" list, an "applications:" list, or both' });
  });

export interface DesiredAcls {
  acls: DesiredAcl[];
  /** Every principal the files declare, in order of appearance. */
  principals: string[];
  files: string[];
  warnings: string[];
  /** Per application: its principal, where it is declared and how many ACLs it expands to. */
  applications: Array<{ principal: string; source: string; acls: number }>;
  /** Principals whose ACLs come from a Strimzi KafkaUser's spec.authorization in these files. */
  kafkaUsers: string[];
}

/**
 * Reads the ACL files the section names: explicit ACLs and applications, expanded into the exact
 * ACLs Kafka needs. A binding declared twice (explicitly and by an expansion) is kept once with
 * all its reasons. Malformed files are ConfigErrors naming file, line and field. No network.
 */
export function loadDesiredAcls(section: Pick<AclsSection, 'files'>, configDir: string): DesiredAcls {
  const files = expandFilePatterns(section.files ?? [], configDir, 'acls.files');
  const byKey = new Map<string, DesiredAcl>();
  const principals = new Set<string>();
  const out: DesiredAcls = { acls: [], principals: [], files: files.map((file) => file.shown), warnings: [], applications: [], kafkaUsers: [] };
  const add = (acl: DesiredAcl) => {
    principals.add(acl.binding.principal);
    const key = aclKey(acl.binding);
    const existing = byKey.get(key);
    if (existing) {
      for (const reason of acl.reasons) if (!existing.reasons.includes(reason)) existing.reasons.push(reason);
      return;
    }
    byKey.set(key, { ...acl, reasons: [...acl.reasons] });
  };
  for (const file of files) {
    for (const doc of parseYamlDocuments(file.shown, readInputFile(file))) {
      if (!isMapping(doc.value)) throw new ConfigError(`${doc.locate([])}: expected a mapping with an "acls:" or "applications:" list.`);
      if (isKafkaUser(doc.value)) {
        // A KafkaUser's authorization is the whole ACL set of its user, as Strimzi's User Operator
        // applies it; without an authorization section it declares no ACL here.
        const user = readKafkaUser(doc);
        if (!user.acls) continue;
        out.kafkaUsers.push(user.principal);
        principals.add(user.principal);
        for (const rule of user.acls) {
          for (const operation of rule.operations) {
            add({
              binding: {
                principal: user.principal,
                host: rule.host,
                resourceType: rule.resourceType,
                resourceName: rule.resourceType === 'CLUSTER' ? CLUSTER_RESOURCE_NAME : rule.resourceName!,
                patternType: rule.patternType,
                operation: operation as AclOperation,
                permission: rule.permission,
              },
              source: rule.source,
              reasons: [`KafkaUser ${user.name}`],
            });
          }
        }
        continue;
      }
      // Other Kubernetes resources (a KafkaTopic next to the ACLs, say) are not ACL declarations.
      if ('apiVersion' in doc.value || 'kind' in doc.value) continue;
      refuseInterpolation(doc);
      const parsed = parseDocumentPart(AclFile, doc, doc.value);
      parsed.acls?.forEach((acl, index) => {
        const source = doc.locate(['acls', index]);
        for (const operation of acl.operations ?? [acl.operation!]) {
          add({
            binding: {
              principal: acl.principal,
              host: acl.host,
              resourceType: acl.resourceType,
              resourceName: acl.resourceType === 'CLUSTER' ? CLUSTER_RESOURCE_NAME : acl.resourceName!,
              patternType: acl.patternType,
              operation,
              permission: acl.permission,
            },
            source,
            reasons: [],
          });
        }
      });
      parsed.applications?.forEach((app, index) => {
        const source = doc.locate(['applications', index]);
        const expansion = expandAppAcls(app);
        out.applications.push({ principal: app.principal, source, acls: expansion.acls.length });
        out.warnings.push(...expansion.warnings.map((warning) => `${source}: ${warning}`));
        for (const acl of expansion.acls) add({ ...acl, source });
      });
    }
  }
  out.acls = [...byKey.values()];
  out.principals = [...principals];
  return out;
}

export interface AppExpansion {
  acls: Array<{ binding: AclBinding; reasons: string[] }>;
  warnings: string[];
}

/**
 * The exact ACLs an application needs, as kafka-acls --producer / --consumer grant them (without
 * CREATE on topics: synchook creates the topics):
 * - produces T: WRITE and DESCRIBE on topic T;
 * - consumes T: READ and DESCRIBE on topic T; each consumer group G: READ on group G;
 * - each transactional id X: WRITE and DESCRIBE on transactional id X;
 * - idempotent: IDEMPOTENT_WRITE on the cluster. Brokers since 2.8 allow an idempotent producer
 *   with WRITE on any topic (KIP-679), so this is only for older brokers.
 */
export function expandAppAcls(app: Application): AppExpansion {
  const acls: AppExpansion['acls'] = [];
  const warnings: string[] = [];
  const who = `application ${app.principal}`;
  const grant = (resourceType: AclBinding['resourceType'], ref: ResourceRef, operations: AclOperation[], reason: string) => {
    const why = `${reason} (${who})`;
    const { name, patternType } = typeof ref === 'string' ? { name: ref, patternType: 'LITERAL' as const } : { name: ref.prefix, patternType: 'PREFIXED' as const };
    for (const operation of operations) {
      acls.push({ binding: { principal: app.principal, host: app.host, resourceType, resourceName: name, patternType, operation, permission: 'ALLOW' }, reasons: [why] });
    }
  };
  for (const ref of app.produces) grant('TOPIC', ref, ['WRITE', 'DESCRIBE'], `produces ${describeRef(ref)}`);
  for (const ref of app.consumes) grant('TOPIC', ref, ['READ', 'DESCRIBE'], `consumes ${describeRef(ref)}`);
  for (const ref of app.groups) grant('GROUP', ref, ['READ'], `consumer group ${describeRef(ref)}`);
  for (const ref of app.transactionalIds) grant('TRANSACTIONAL_ID', ref, ['WRITE', 'DESCRIBE'], `transactional id ${describeRef(ref)}`);
  if (app.idempotent) grant('CLUSTER', CLUSTER_RESOURCE_NAME, ['IDEMPOTENT_WRITE'], 'idempotent producer (needed by brokers before 2.8)');
  if (app.consumes.length > 0 && app.groups.length === 0) {
    warnings.push(`${who} consumes topics but names no consumer group; it can only read with manual partition assignment. Add groups: [...] if it joins a group.`);
  }
  // The same binding twice (produces and consumes one topic: DESCRIBE) is one ACL with two reasons.
  const merged = new Map<string, AppExpansion['acls'][number]>();
  for (const acl of acls) {
    const key = aclKey(acl.binding);
    const existing = merged.get(key);
    if (existing) existing.reasons.push(...acl.reasons);
    else merged.set(key, acl);
  }
  return { acls: [...merged.values()], warnings };
}

function describeRef(ref: ResourceRef): string {
  return typeof ref === 'string' ? ref : `prefix ${ref.prefix}`;
}
