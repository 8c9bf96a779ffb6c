import type { PlannedChange } from '../tasks/types.js';

/** What an interrupted apply wrote, from the plan it started with and a plan read back after the stop. */
export interface AppliedReadBack {
  /** Planned changes the cluster shows done. */
  applied: PlannedChange[];
  /** Planned changes still pending (or changed by someone else meanwhile). */
  notApplied: PlannedChange[];
  /** Why the read-back failed; then nothing is known about which changes landed. */
  readBackError?: string;
}

const VERB: Record<PlannedChange['action'], string> = { create: 'created', update: 'changed', delete: 'deleted' };

/**
 * A planned change counts as applied when the fresh plan no longer holds a change of that
 * resource: the broker or registry confirms it, not the request that was sent.
 */
export function compareWithFreshPlan(planned: readonly PlannedChange[], fresh: readonly PlannedChange[]): AppliedReadBack {
  const pending = new Set(fresh.map((change) => change.resource));
  return {
    applied: planned.filter((change) => !pending.has(change.resource)),
    notApplied: planned.filter((change) => pending.has(change.resource)),
  };
}

/** "500 of 2000 topics created; 1500 not applied" — every kind and action of the plan, then the rest. */
export function describeApplied(readBack: AppliedReadBack): string {
  const planned = [...readBack.applied, ...readBack.notApplied];
  if (readBack.readBackError !== undefined) {
    return `${planned.length} planned change${planned.length === 1 ? '' : 's'}, of which the part applied could not be read back (${readBack.readBackError}); run synchook plan to see what remains`;
  }
  const groups = new Map<string, { planned: number; applied: number }>();
  const key = (change: PlannedChange) => `${change.action}\u0000${kindOf(change.resource)}`;
  for (const change of planned) {
    const group = groups.get(key(change)) ?? { planned: 0, applied: 0 };
    group.planned += 1;
    groups.set(key(change), group);
  }
  for (const change of readBack.applied) groups.get(key(change))!.applied += 1;
  const parts = [...groups].map(([name, group]) => {
    const [action, kind] = name.split('\u0000') as [PlannedChange['action'], string];
    return `${group.applied} of ${group.planned} ${group.planned === 1 ? kind : plural(kind)} ${VERB[action]}`;
  });
  const rest = readBack.notApplied.length;
  return `${parts.join(', ')}; ${rest === 0 ? 'nothing left to apply' : `${rest} not applied`}`;
}

/** "topic orders.v1" → "topic"; a resource without a kind word is a "change". */
function kindOf(resource: string): string {
  const first = resource.split(' ')[0] ?? '';
  return resource.includes(' ') && /^[a-z-]+$/i.test(first) ? first.toLowerCase() : 'change';
}

function plural(kind: string): string {
  return kind.endsWith('s') ? kind : `${kind}s`;
}
