import type { ResourceChange, TerraformPlan } from './plan-json.js';

/** Resources per action in one plan; `moved` and `imported` are counted besides the action. */
export interface ActionCounts {
  create: number;
  read: number;
  update: number;
  replace: number;
  delete: number;
  forget: number;
  'no-op': number;
  unknown: number;
  moved: number;
  imported: number;
  drifted: number;
  deferred: number;
  /** Root module outputs whose value changes: nothing Terraform manages, but the plan is not empty. */
  outputs: number;
}

export function countActions(plan: TerraformPlan): ActionCounts {
  const counts: ActionCounts = { create: 0, read: 0, update: 0, replace: 0, delete: 0, forget: 0, 'no-op': 0, unknown: 0, moved: 0, imported: 0, drifted: 0, deferred: 0, outputs: 0 };
  for (const change of plan.resourceChanges) {
    counts[change.kind] += 1;
    if (change.previousAddress) counts.moved += 1;
    if (change.importing) counts.imported += 1;
  }
  counts.drifted = plan.resourceDrift.length;
  counts.deferred = plan.deferredChanges;
  counts.outputs = plan.outputChanges?.length ?? 0;
  return counts;
}

/** True when the change alters what Terraform manages (a data source read or a no-op does not). */
export function isMaterial(change: ResourceChange): boolean {
  if (change.mode === 'data') return false;
  return change.kind !== 'no-op' && change.kind !== 'read' ? true : Boolean(change.previousAddress || change.importing);
}

/** Everything that changes, for rules.maxChanges.total: moves and imports count once each. */
export function materialChanges(plan: TerraformPlan): number {
  return plan.resourceChanges.filter(isMaterial).length;
}

/** "2 to create, 1 to replace, 1 to delete; 1 moved; 3 unchanged", the task's one-line summary. */
export function describeCounts(counts: ActionCounts): string {
  const actions = [
    counts.create && `${counts.create} to create`,
    counts.update && `${counts.update} to update`,
    counts.replace && `${counts.replace} to replace`,
    counts.delete && `${counts.delete} to delete`,
    counts.forget && `${counts.forget} to forget`,
    counts.unknown && `${counts.unknown} with an unknown action`,
  ].filter(Boolean);
  const extras = [
    counts.moved && `${counts.moved} moved`,
    counts.imported && `${counts.imported} imported`,
    counts.read && `${counts.read} data source${counts.read === 1 ? '' : 's'} read`,
    counts.drifted && `${counts.drifted} drifted`,
    counts.deferred && `${counts.deferred} deferred`,
    counts.outputs && `${counts.outputs} output${counts.outputs === 1 ? '' : 's'} to change`,
  ].filter(Boolean);
  const head = actions.length > 0 ? actions.join(', ') : counts.outputs > 0 ? 'no resource changes' : 'no changes';
  const unchanged = counts['no-op'] > 0 ? `${counts['no-op']} unchanged` : undefined;
  return [head, extras.join(', '), unchanged].filter(Boolean).join('; ');
}

/** The counts as figures for reports and statuses, without the zeros. */
export function countFigures(counts: ActionCounts): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts)) if (value > 0) figures[key === 'no-op' ? 'unchanged' : key] = value;
  return figures;
}
