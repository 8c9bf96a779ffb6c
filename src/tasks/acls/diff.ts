import type { PlannedChange, Violation } from '../types.js';
import { aclKey, aclResource, compareAcls, describeAcl, type AclBinding, type DesiredAcl } from './model.js';

export interface AclPlanOptions {
  /** acls.managedPrincipals when set; otherwise the principals the files declare. */
  managedPrincipals: readonly string[];
  /** True when managedPrincipals was set explicitly: declared ACLs of other principals are then out of scope. */
  explicitScope: boolean;
  deleteMode: 'forbid' | 'managed';
}

export interface AclPlanState {
  creates: AclBinding[];
  deletes: AclBinding[];
}

export interface AclPlanResult {
  state: AclPlanState;
  changes: PlannedChange[];
  violations: Violation[];
}

/**
 * Compares declared ACLs with the cluster's, for the managed principals only: what to create,
 * what to delete, and the violations (an ACL of a principal outside the scope; an undeclared ACL
 * of a managed principal while deletes are forbidden). Pure and sorted.
 */
export function planAclChanges(desired: readonly DesiredAcl[], actual: readonly AclBinding[], options: AclPlanOptions): AclPlanResult {
  const managed = new Set(options.managedPrincipals);
  const actualKeys = new Set(actual.map(aclKey));
  const desiredKeys = new Set(desired.map((acl) => aclKey(acl.binding)));
  const state: AclPlanState = { creates: [], deletes: [] };
  const changes: PlannedChange[] = [];
  const violations: Violation[] = [];

  const outOfScope = new Map<string, DesiredAcl[]>();
  for (const acl of [...desired].sort((a, b) => compareAcls(a.binding, b.binding))) {
    if (options.explicitScope && !managed.has(acl.binding.principal)) {
      outOfScope.set(acl.binding.principal, [...(outOfScope.get(acl.binding.principal) ?? []), acl]);
      continue;
    }
    if (actualKeys.has(aclKey(acl.binding))) continue;
    state.creates.push(acl.binding);
    changes.push({ action: 'create', resource: aclResource(acl.binding), detail: acl.reasons.length > 0 ? acl.reasons.join('; ') : `declared at ${acl.source}` });
  }

  for (const [principal, acls] of outOfScope) {
    violations.push({
      resource: `acls of ${principal}`,
      rule: 'outside-managed-scope',
      message: `${principal} is not in acls.managedPrincipals, so this config may not grant it anything (${acls.length} ACL${acls.length === 1 ? '' : 's'} declared, e.g. ${describeAcl(acls[0]!.binding)}). Add the principal to managedPrincipals or remove its ACLs.`,
      file: acls[0]!.source,
    });
  }

  for (const binding of [...actual].sort(compareAcls)) {
    if (!managed.has(binding.principal) || desiredKeys.has(aclKey(binding))) continue;
    if (options.deleteMode === 'managed') {
      state.deletes.push(binding);
      changes.push({ action: 'delete', resource: aclResource(binding), detail: `no longer declared for ${binding.principal}` });
    } else {
      violations.push({
        resource: `acl ${describeAcl(binding)}`,
        rule: 'forbid-delete',
        message: `${binding.principal} is managed by this config but this ACL is not declared, and deleting it needs acls.delete: managed. Declare it to keep it, or set delete: managed to remove it.`,
      });
    }
  }
  return { state, changes, violations };
}
