import type { ApplyRecorder, PlannedChange } from './types.js';

/** How many planned changes of one kind and action the broker or registry confirmed. */
interface AppliedCount {
  action: PlannedChange['action'];
  /** What is counted, singular, as the plan names it: "topic", "subject", "acl". */
  kind: string;
  planned: number;
  applied: number;
}

/**
 * What an apply did, the same for every task: each planned change is applied (the broker or
 * registry confirmed it), unanswered (sent, no answer when the run stopped: it may have landed)
 * or not applied (never sent, or refused).
 */
export interface ApplyResult {
  counts: AppliedCount[];
  applied: PlannedChange[];
  unanswered: PlannedChange[];
  notApplied: PlannedChange[];
}


export class ApplyLedger implements ApplyRecorder {
  private readonly done = new Set<string>();
  private readonly inFlight = new Set<string>();

  constructor(private readonly planned: readonly PlannedChange[]) {}

  sent(resources: Iterable<string>): void {
    for (const resource of resources) if (!this.done.has(resource)) this.inFlight.add(resource);
  }

  confirmed(resource: string): void {
    this.inFlight.delete(resource);
    this.done.add(resource);
  }

  answered(resources: Iterable<string>): void {
    for (const resource of resources) this.inFlight.delete(resource);
  }

  result(): ApplyResult {
    const applied = this.planned.filter((change) => this.done.has(change.resource));
    const unanswered = this.planned.filter((change) => !this.done.has(change.resource) && this.inFlight.has(change.resource));
    const notApplied = this.planned.filter((change) => !this.done.has(change.resource) && !this.inFlight.has(change.resource));
    const counts = new Map<string, AppliedCount>();
    for (const change of this.planned) {
      const kind = kindOf(change.resource);
      const key = `${change.action} ${kind}`;
      const count = counts.get(key) ?? { action: change.action, kind, planned: 0, applied: 0 };
      count.planned += 1;
      if (this.done.has(change.resource)) count.applied += 1;
      counts.set(key, count);
    }
    return { counts: [...counts.values()], applied, unanswered, notApplied };
  }
}

/** "topic orders.v1" → "topic"; a resource without a kind word is a "change". */
function kindOf(resource: string): string {
  const first = resource.split(' ')[0] ?? '';
  return resource.includes(' ') && /^[a-z-]+$/i.test(first) ? first.toLowerCase() : 'change';
}
