import { quotaEntityKey, type ClientQuotaAlteration, type ClientQuotas, type QuotaEntity } from '../../clients/kafka/admin.js';
import type { PlannedChange, Violation } from '../types.js';
import { describeEntity, formatQuotaValue, KAFKA_QUOTA_KEYS, sameQuotaValue, type DesiredQuota } from './model.js';

export interface QuotaPlanState {
  alterations: ClientQuotaAlteration[];
  /** Per altered entity: what apply reports (an entity that had no quota is created, one whose every key goes is deleted). */
  kinds: Record<string, 'create' | 'update' | 'delete'>;
  /** The values each altered entity must show afterwards (keys not listed: absent or left alone). */
  expected: Record<string, { entity: QuotaEntity; set: Record<string, number>; removed: string[] }>;
}

export interface QuotaPlanOptions {
  managedPrefixes?: readonly string[];
  deleteMode: 'forbid' | 'managed';
  prune: boolean;
}

/** An undeclared entity is managed when every name it has lies under a managed prefix (a default entity never does). */
function isManaged(entity: QuotaEntity, prefixes: readonly string[]): boolean {
  const names = [entity.user, entity.clientId].filter((name) => name !== undefined);
  return names.length > 0 && names.every((name) => name !== null && prefixes.some((prefix) => name.startsWith(prefix)));
}

/**
 * The changes that make the cluster's client quotas match the declarations. Keys set by someone
 * else on a declared entity stay unless prune is on; quotas of entities that are not declared are
 * touched only inside managedPrefix, and only with delete: managed.
 */
export function planQuotaChanges(desired: readonly DesiredQuota[], actual: readonly ClientQuotas[], options: QuotaPlanOptions) {
  const changes: PlannedChange[] = [];
  const violations: Violation[] = [];
  const state: QuotaPlanState = { alterations: [], kinds: {}, expected: {} };
  const actualByKey = new Map(actual.map((quota) => [quotaEntityKey(quota.entity), quota]));
  const declared = new Set<string>();

  for (const quota of desired) {
    const key = quotaEntityKey(quota.entity);
    declared.add(key);
    const current = actualByKey.get(key)?.values ?? {};
    const set: Record<string, number> = {};
    const lines: string[] = [];
    for (const [name, value] of Object.entries(quota.values)) {
      const before = current[name];
      if (before !== undefined && sameQuotaValue(before, value)) continue;
      set[name] = value;
      lines.push(before === undefined ? `${name} = ${formatQuotaValue(name, value)}` : `${name} ${formatQuotaValue(name, before)} → ${formatQuotaValue(name, value)}`);
    }
    const remove = options.prune ? Object.keys(current).filter((name) => !(name in quota.values) && KAFKA_QUOTA_KEYS.has(name)) : [];
    for (const name of remove) lines.push(`${name} ${formatQuotaValue(name, current[name]!)} → (removed: not declared, prune is on)`);
    if (Object.keys(set).length === 0 && remove.length === 0) continue;
    const isNew = Object.keys(current).length === 0;
    state.alterations.push({ entity: quota.entity, set, remove });
    state.kinds[key] = isNew ? 'create' : 'update';
    state.expected[key] = { entity: quota.entity, set, removed: remove };
    changes.push({ action: isNew ? 'create' : 'update', resource: `quota ${describeEntity(quota.entity)}`, lines });
  }

  const prefixes = options.managedPrefixes ?? [];
  for (const quota of actual) {
    const key = quotaEntityKey(quota.entity);
    if (declared.has(key) || prefixes.length === 0 || !isManaged(quota.entity, prefixes)) continue;
    const keys = Object.keys(quota.values).filter((name) => KAFKA_QUOTA_KEYS.has(name));
    if (keys.length === 0) continue;
    const resource = `quota ${describeEntity(quota.entity)}`;
    if (options.deleteMode === 'forbid') {
      violations.push({
        resource,
        rule: 'forbid-delete',
        message: `${resource} is set on the cluster (${keys.map((name) => `${name} ${formatQuotaValue(name, quota.values[name]!)}`).join(', ')}) inside managedPrefix but no longer declared. Declare it again, or set quotas.delete: managed to remove it.`,
      });
      continue;
    }
    state.alterations.push({ entity: quota.entity, set: {}, remove: keys });
    state.kinds[key] = 'delete';
    state.expected[key] = { entity: quota.entity, set: {}, removed: keys };
    changes.push({ action: 'delete', resource, lines: keys.map((name) => `${name} ${formatQuotaValue(name, quota.values[name]!)} → (removed)`) });
  }
  return { changes, violations, state };
}

/** Entities whose read-back quotas do not yet show what apply set or removed. */
export function unsettledQuotas(state: QuotaPlanState, actual: readonly ClientQuotas[]): string[] {
  const actualByKey = new Map(actual.map((quota) => [quotaEntityKey(quota.entity), quota.values]));
  return Object.entries(state.expected)
    .filter(([key, expected]) => {
      const values = actualByKey.get(key) ?? {};
      return Object.entries(expected.set).some(([name, value]) => values[name] === undefined || !sameQuotaValue(values[name]!, value)) || expected.removed.some((name) => values[name] !== undefined);
    })
    .map(([, expected]) => describeEntity(expected.entity));
}
