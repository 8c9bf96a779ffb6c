import type { AclEntry, AclFilter, KafkaAdmin } from '../../clients/kafka/admin.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../shared/kafka-enums.js';
import { OPERATIONS, PATTERN_TYPES, PERMISSIONS, RESOURCE_TYPES, type AclBinding } from './model.js';

export interface ClusterAcls {
  bindings: AclBinding[];
  /** Bindings synchook cannot manage (resource types or operations kafkajs does not know), described. */
  unknown: Array<{ principal: string; description: string }>;
}

const nameOf = <T extends Record<string, string | number>>(table: T, value: number): string | undefined =>
  Object.entries(table).find(([, code]) => code === value)?.[0];

/** Every ACL in the cluster, in one DescribeAcls request (a filter matching everything). */
export async function readClusterAcls(admin: Pick<KafkaAdmin, 'describeAcls'>): Promise<ClusterAcls> {
  const acls = await admin.describeAcls();
  const out: ClusterAcls = { bindings: [], unknown: [] };
  for (const acl of acls) {
    const resourceType = nameOf(AclResourceTypes, acl.resourceType);
    const patternType = nameOf(ResourcePatternTypes, acl.patternType);
    const operation = nameOf(AclOperationTypes, acl.operation);
    const permission = nameOf(AclPermissionTypes, acl.permission);
    const known =
      (RESOURCE_TYPES as readonly (string | undefined)[]).includes(resourceType) &&
      (PATTERN_TYPES as readonly (string | undefined)[]).includes(patternType) &&
      (OPERATIONS as readonly (string | undefined)[]).includes(operation) &&
      (PERMISSIONS as readonly (string | undefined)[]).includes(permission);
    if (!known) {
      out.unknown.push({
        principal: acl.principal,
        description: `${permission ?? acl.permission} ${acl.principal} ${operation ?? `operation ${acl.operation}`} ${resourceType ?? `resource type ${acl.resourceType}`} ${acl.resourceName}`,
      });
      continue;
    }
    out.bindings.push({
      principal: acl.principal,
      host: acl.host,
      resourceType: resourceType as AclBinding['resourceType'],
      resourceName: acl.resourceName,
      patternType: patternType as AclBinding['patternType'],
      operation: operation as AclBinding['operation'],
      permission: permission as AclBinding['permission'],
    });
  }
  return out;
}

export function toAclEntry(binding: AclBinding): AclEntry {
  return {
    principal: binding.principal,
    host: binding.host,
    resourceType: AclResourceTypes[binding.resourceType],
    resourceName: binding.resourceName,
    patternType: ResourcePatternTypes[binding.patternType],
    operation: AclOperationTypes[binding.operation],
    permission: AclPermissionTypes[binding.permission],
  };
}

/** A DeleteAcls filter that matches exactly this binding and nothing else. */
export function exactFilter(binding: AclBinding): AclFilter {
  return toAclEntry(binding);
}
