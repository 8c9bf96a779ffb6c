import { TaskFailedError } from '../../errors.js';
import { kafkaFailure } from '../../clients/kafka.js';
import { definePlanApplyTask, type TaskOutcome, type TaskPlan, type ValidationReport } from '../types.js';
import { applyAclPlan } from './apply.js';
import { readClusterAcls } from './cluster.js';
import { AclsSection } from './config.js';
import { planAclChanges, type AclPlanState } from './diff.js';
import { loadAclDeclarations } from './asyncapi.js';
import { strimziOwnedWarnings } from './strimzi-users.js';

export { AclsSection } from './config.js';
export { loadDesiredAcls } from './load.js';
export { type AclPlanState } from './diff.js';
export { readClusterAcls, toAclEntry, exactFilter } from './cluster.js';
;
export { describeAcl, aclKey, type AclBinding } from './model.js';

/** How long apply waits until the broker's authorizer shows the changes (within the task deadline). */
const SETTLE_TIMEOUT_MS = 60_000;

export const aclsTask = definePlanApplyTask<typeof AclsSection, AclPlanState>({
  name: 'acls',
  phase: 'presync',
  configKey: 'acls',
  configSchema: AclsSection,
  description: 'Kafka ACLs of the managed principals, declared explicitly or as applications (produces, consumes, groups) expanded into the exact ACLs Kafka needs.',

  async plan(ctx, section) {
    const { desired, violations: conflicts } = await loadAclDeclarations(section, ctx.config, ctx.configDir);
    const cluster = await readClusterAcls(ctx.clients.kafkaAdmin()).catch((error: unknown) => {
      throw kafkaFailure(error, ctx.config.cluster, 'read the ACLs');
    });
    const managedPrincipals = section.managedPrincipals ?? desired.principals;
    const result = planAclChanges(desired.acls, cluster.bindings, { managedPrincipals, explicitScope: section.managedPrincipals !== undefined, deleteMode: section.delete });
    const managed = new Set(managedPrincipals);
    const warnings = [
      ...desired.warnings,
      ...strimziOwnedWarnings(managedPrincipals, ctx.configDir, desired.kafkaUsers),
      ...cluster.unknown
        .filter((acl) => managed.has(acl.principal))
        .map((acl) => `ACL ${acl.description} uses a resource type or operation synchook cannot manage; it is left alone.`),
    ];
    return {
      task: 'acls',
      changes: result.changes,
      violations: [...conflicts, ...result.violations],
      warnings,
      figures: { declared: desired.acls.length, principals: managedPrincipals.length, create: result.state.creates.length, delete: result.state.deletes.length },
      state: result.state,
    };
  },

  async apply(ctx, _section, plan): Promise<TaskOutcome> {
    const state = plan.state!;
    const declared = plan.figures?.declared ?? 0;
    if (state.creates.length === 0 && state.deletes.length === 0) {
      return { summary: `no changes (${declared} ACL${declared === 1 ? '' : 's'} declared)`, figures: { declared }, changes: [] };
    }
    const admin = ctx.clients.kafkaAdmin();
    const applied = { created: 0, deleted: 0 };
    try {
      await applyAclPlan({ admin, state, settleTimeoutMs: Math.min(SETTLE_TIMEOUT_MS, Math.max(1_000, ctx.deadline.remaining() - 1_000)), signal: ctx.signal, recorder: ctx.applied }, applied);
    } catch (error) {
      const failure = kafkaFailure(error, ctx.config.cluster, applied.created < state.creates.length ? 'create ACLs' : 'delete ACLs');
      if (!(error instanceof TaskFailedError)) failure.message = `${failure.message} Applied before the failure: ${applied.created} ACLs created, ${applied.deleted} deleted; run again to finish.`;
      throw failure;
    }
    const { created, deleted } = applied;
    return {
      summary: describeAclCounts(created, deleted),
      figures: { declared, created, deleted },
      changes: plan.changes,
    };
  },

  describePlan(plan) {
    return describeAclPlan(plan);
  },

  async validate(ctx, section): Promise<ValidationReport> {
    const { desired, violations: conflicts } = await loadAclDeclarations(section, ctx.config, ctx.configDir);
    const managedPrincipals = section.managedPrincipals ?? desired.principals;
    const result = planAclChanges(desired.acls, [], { managedPrincipals, explicitScope: section.managedPrincipals !== undefined, deleteMode: section.delete });
    return {
      checked: [
        `${desired.acls.length} ACL${desired.acls.length === 1 ? '' : 's'} for ${desired.principals.length} principal${desired.principals.length === 1 ? '' : 's'} in ${desired.files.length} file${desired.files.length === 1 ? '' : 's'}`,
        ...desired.applications.map((app) => `application ${app.principal} (${app.source}) → ${app.acls} ACLs`),
      ],
      violations: [...conflicts, ...result.violations],
      warnings: [...desired.warnings, ...strimziOwnedWarnings(managedPrincipals, ctx.configDir, desired.kafkaUsers)],
    };
  },
});

function describeAclCounts(created: number, deleted: number): string {
  const parts = [created && `${created} ACL${created === 1 ? '' : 's'} created`, deleted && `${deleted} ACL${deleted === 1 ? '' : 's'} deleted`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

function describeAclPlan(plan: Pick<TaskPlan<AclPlanState>, 'figures'>): string {
  const figures = plan.figures ?? {};
  const parts = [figures.create && `${figures.create} ACL${figures.create === 1 ? '' : 's'} to create`, figures.delete && `${figures.delete} to delete`].filter(Boolean);
  const declared = figures.declared ?? 0;
  return parts.length > 0 ? `plan: ${parts.join(', ')}` : `no changes (${declared} ACL${declared === 1 ? '' : 's'} declared)`;
}
