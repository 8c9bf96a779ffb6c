import type { ApplyResult } from '../tasks/apply-ledger.js';
import type { PlannedChange } from '../tasks/types.js';

const VERB: Record<PlannedChange['action'], string> = { create: 'created', update: 'changed', delete: 'deleted' };

/**
 * "500 of 2,000 topics created; 1,500 not applied": every kind and action of the plan, then the
 * rest, and the changes sent whose answer never came (they may have landed).
 */
export function describeApplied(result: ApplyResult): string {
  const parts = result.counts.map((count) => `${figure(count.applied)} of ${figure(count.planned)} ${count.planned === 1 ? count.kind : plural(count.kind)} ${VERB[count.action]}`);
  const rest = [
    result.notApplied.length > 0 ? `${figure(result.notApplied.length)} not applied` : undefined,
    result.unanswered.length > 0 ? `${figure(result.unanswered.length)} sent without an answer yet (they may have been applied)` : undefined,
  ].filter(Boolean);
  return `${parts.join(', ')}; ${rest.length > 0 ? rest.join(', ') : 'nothing left to apply'}`;
}

/** The same in JSON: counts first, then the changes on each side. */
export function appliedJson(result: ApplyResult) {
  const short = (change: PlannedChange) => ({ action: change.action, resource: change.resource });
  return {
    planned: result.applied.length + result.unanswered.length + result.notApplied.length,
    applied: result.applied.length,
    unanswered: result.unanswered.length,
    notApplied: result.notApplied.length,
    counts: result.counts,
    summary: describeApplied(result),
    appliedChanges: result.applied.map(short),
    unansweredChanges: result.unanswered.map(short),
    notAppliedChanges: result.notApplied.map(short),
  };
}

function figure(value: number): string {
  return value.toLocaleString('en-US');
}

function plural(kind: string): string {
  return kind.endsWith('s') ? kind : `${kind}s`;
}
