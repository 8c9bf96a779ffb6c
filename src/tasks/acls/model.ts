import { isIP } from 'node:net';

/** The resource types synchook manages ACLs for. */
export const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'] as const;
export type AclResourceType = (typeof RESOURCE_TYPES)[number];

export const PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const;
type AclPatternType = (typeof PATTERN_TYPES)[number];

export const OPERATIONS = ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE'] as const;
export type AclOperation = (typeof OPERATIONS)[number];

export const PERMISSIONS = ['ALLOW', 'DENY'] as const;
type AclPermission = (typeof PERMISSIONS)[number];

/**
 * The operations each resource type supports, as kafka-acls enforces them (Kafka's
 * "Operations and Resources on Protocols" table); anything else is a mistake.
 */
export const OPERATIONS_BY_RESOURCE: Record<AclResourceType, readonly AclOperation[]> = {
  TOPIC: ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['ALL', 'READ', 'DESCRIBE', 'DELETE'],
  CLUSTER: ['ALL', 'CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE'],
  TRANSACTIONAL_ID: ['ALL', 'DESCRIBE', 'WRITE'],
};

/** Kafka names the one cluster resource "kafka-cluster". */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

/** One ACL binding: who may (or may not) do what on which resource, from where. */
export interface AclBinding {
  principal: string;
  host: string;
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
  operation: AclOperation;
  permission: AclPermission;
}

/** A declared binding, with where it comes from (a file line, an application's expansion). */
export interface DesiredAcl {
  binding: AclBinding;
  source: string;
  /** Why it exists: "produces orders.v1 (application User:orders-app)"; empty for an explicit ACL. */
  reasons: string[];
}

export function aclKey(binding: AclBinding): string {
  return [binding.principal, binding.host, binding.resourceType, binding.patternType, binding.resourceName, binding.operation, binding.permission].join('\u0000');
}

/** "ALLOW User:orders-app WRITE TOPIC orders.v1", "... READ TOPIC prefix orders.", "... from 10.0.0.1". */
export function describeAcl(binding: AclBinding): string {
  const resource = binding.patternType === 'PREFIXED' ? `${binding.resourceType} prefix ${binding.resourceName}` : `${binding.resourceType} ${binding.resourceName}`;
  const host = binding.host === '*' ? '' : ` from ${binding.host}`;
  return `${binding.permission} ${binding.principal} ${binding.operation} ${resource}${host}`;
}

export function compareAcls(a: AclBinding, b: AclBinding): number {
  return (
    a.principal.localeCompare(b.principal) ||
    RESOURCE_TYPES.indexOf(a.resourceType) - RESOURCE_TYPES.indexOf(b.resourceType) ||
    a.resourceName.localeCompare(b.resourceName) ||
    a.patternType.localeCompare(b.patternType) ||
    OPERATIONS.indexOf(a.operation) - OPERATIONS.indexOf(b.operation) ||
    a.permission.localeCompare(b.permission) ||
    a.host.localeCompare(b.host)
  );
}

/** "User:alice", "User:CN=app,O=org", "User:*": a principal type, a colon, a name. */
export function principalProblem(principal: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9]*:.+$/.test(principal)) return `"${principal}" is not a principal; write it as Type:name, e.g. User:orders-app`;
  return undefined;
}

/** Kafka matches the host against the client's IP address; a host name never matches. */
export function hostProblem(host: string): string | undefined {
  if (host === '*' || isIP(host) !== 0) return undefined;
  return `"${host}" is not an IP address; Kafka compares the host with the client's IP, so use an IP address or "*"`;
}

/** "IdempotentWrite", "idempotent-write", "IDEMPOTENT_WRITE" → "IDEMPOTENT_WRITE" (kafka-acls spells them in CamelCase). */
export function enumName(value: string): string {
  return value
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toUpperCase();
}

/** The resource an ACL's planned change names; an apply records its confirmations under it. */
export function aclResource(binding: AclBinding): string {
  return `acl ${describeAcl(binding)}`;
}
