import { describeKind, describeReason, forgetsObject } from './actions.js';
import type { GuardedAction, Level, TerraformRules } from './config.js';
import { countActions, isMaterial, materialChanges } from './counts.js';
import { anyGlob, type Matcher } from './glob.js';
import { consequenceOf, kafkaResourceOf } from './kafka-resources.js';
import { valueAt } from './values.js';
import type { ResourceChange, TerraformPlan } from './plan-json.js';

/** One rule firing on the plan; `deny` findings become violations, `warn` findings warnings. */
export interface Finding {
  level: Level;
  rule: string;
  /** The resource address, or "terraform plan" for findings about the whole plan. */
  resource: string;
  message: string;
}

export const WHOLE_PLAN = 'terraform plan';

/** Checks a plan against the rules; the findings come in plan order, whole-plan findings first. */
export function evaluateRules(plan: TerraformPlan, rules: TerraformRules): Finding[] {
  const compiled = compileRules(rules);
  const findings: Finding[] = [...planStateFindings(plan, rules)];
  for (const change of plan.resourceChanges) {
    if (change.mode === 'managed') findings.push(...resourceFindings(change, compiled));
  }
  findings.push(...maxChangeFindings(plan, rules));
  if (rules.drift !== 'off') {
    for (const drift of plan.resourceDrift) {
      findings.push({ level: rules.drift, rule: 'drift', resource: resourceName(drift), message: describeDrift(drift) });
    }
  }
  return findings;
}

interface CompiledRules {
  rules: TerraformRules;
  forbid: Array<TerraformRules['forbid'][number] & { name: string; matches: ChangeMatcher }>;
  exceptions: Array<TerraformRules['exceptions'][number] & { name: string; matches: ChangeMatcher }>;
  allowedType?: Matcher;
}

type ChangeMatcher = (change: ResourceChange) => boolean;

function compileRules(rules: TerraformRules): CompiledRules {
  return {
    rules,
    forbid: rules.forbid.map((rule, index) => ({ ...rule, name: `forbid[${index}]`, matches: targetMatcher(rule) })),
    exceptions: rules.exceptions.map((exception, index) => ({ ...exception, name: `exceptions[${index}]`, matches: targetMatcher(exception) })),
    allowedType: rules.allowedTypes ? anyGlob(rules.allowedTypes.types) : undefined,
  };
}

/** The rules about one managed resource: Kafka protections, forbid, partitions, allowed types. */
function resourceFindings(change: ResourceChange, { rules, forbid, exceptions, allowedType }: CompiledRules): Finding[] {
  const findings: Finding[] = [];
  const guarded = guardedActions(change);
  // An exception lets the change through, but a reviewer still sees that it was let through.
  const unlessExcepted = (finding: Finding, action?: GuardedAction) => {
    const allowed = exceptions.find((candidate) => candidate.matches(change) && (!candidate.actions || !action || candidate.actions.includes(action)));
    if (!allowed) return findings.push(finding);
    const would = finding.level === 'deny' ? 'deny' : 'warn about';
    return findings.push({
      level: 'warn',
      rule: allowed.name,
      resource: finding.resource,
      message: `${describeChange(change)}; allowed by terraform.rules.${allowed.name} (${allowed.reason}), although rule ${finding.rule} would ${would} it.`,
    });
  };

  const kafka = kafkaResourceOf(change);
  if (kafka && rules.protectKafkaResources !== 'off' && guarded.length > 0) {
    unlessExcepted(
      {
        level: rules.protectKafkaResources,
        rule: 'protect-kafka-resources',
        resource: resourceName(change),
        message: `${describeChange(change)}. ${consequenceOf(kafka, destroysObject(change))} Change the configuration so the plan keeps it, or add an entry to terraform.rules.exceptions when this is intended.`,
      },
      guarded[0],
    );
  }

  for (const rule of forbid) {
    const action = guarded.find((candidate) => rule.actions.includes(candidate));
    if (!action || !rule.matches(change)) continue;
    unlessExcepted(
      {
        level: rule.level,
        rule: rule.name,
        resource: resourceName(change),
        message: `${describeChange(change)}. terraform.rules.${rule.name} forbids ${action} of ${change.type}${rule.message ? `: ${rule.message}` : ''}. Change the configuration so the plan keeps the resource, or add an entry to terraform.rules.exceptions.`,
      },
      action,
    );
  }

  if (kafka?.partitionsPath && rules.partitionDecrease !== 'off') {
    const decrease = partitionDecrease(change, kafka.partitionsPath);
    if (decrease) unlessExcepted({ level: rules.partitionDecrease, rule: 'partition-decrease', resource: resourceName(change), message: decrease }, change.kind === 'replace' ? 'replace' : undefined);
  }

  if (allowedType && rules.allowedTypes && isMaterial(change) && !allowedType(change.type)) {
    findings.push({
      level: rules.allowedTypes.level,
      rule: 'allowed-types',
      resource: resourceName(change),
      message: `${describeChange(change)}. Type ${change.type} is not in terraform.rules.allowedTypes. Keep this change out of the plan, or add the type to the list.`,
    });
  }
  return findings;
}

/** Errored, not applyable, incomplete: facts about the plan as a whole. */
function planStateFindings(plan: TerraformPlan, rules: TerraformRules): Finding[] {
  const findings: Finding[] = [];
  if (plan.errored === true) {
    findings.push({
      level: 'deny',
      rule: 'plan-errored',
      resource: WHOLE_PLAN,
      message: 'Terraform marked the plan as errored: planning failed, so its changes are incomplete and it cannot be applied. Fix the errors terraform plan printed and plan again.',
    });
  } else if (plan.applyable === false && plan.resourceChanges.some(isMaterial)) {
    // Terraform sets applyable false for a plan without material changes too; that one is fine.
    findings.push({
      level: 'deny',
      rule: 'plan-not-applyable',
      resource: WHOLE_PLAN,
      message: 'Terraform marked the plan as not applyable although it lists changes. Plan again and check the warnings terraform plan printed.',
    });
  }
  if (rules.incompletePlan !== 'off' && (plan.complete === false || plan.deferredChanges > 0)) {
    const deferred = plan.deferredChanges > 0 ? ` (${plan.deferredChanges} deferred change${plan.deferredChanges === 1 ? '' : 's'})` : '';
    findings.push({
      level: rules.incompletePlan,
      rule: 'incomplete-plan',
      resource: WHOLE_PLAN,
      message: `the plan is incomplete${deferred}: after applying it, Terraform needs another plan and apply to converge.`,
    });
  }
  return findings;
}

function maxChangeFindings(plan: TerraformPlan, rules: TerraformRules): Finding[] {
  const limits = rules.maxChanges;
  if (!limits) return [];
  const counts = countActions(plan);
  const findings: Finding[] = [];
  for (const action of ['create', 'update', 'replace', 'delete', 'forget'] as const) {
    const limit = limits[action];
    const matching = plan.resourceChanges.filter((change) => change.mode === 'managed' && change.kind === action);
    if (limit === undefined || matching.length <= limit) continue;
    const count = matching.length;
    const examples = matching.slice(0, 5).map(resourceName);
    findings.push({
      level: limits.level,
      rule: `max-changes.${action}`,
      resource: WHOLE_PLAN,
      message: `${count} ${count === 1 ? 'resource' : 'resources'} to ${action} ${count === 1 ? 'exceeds' : 'exceed'} terraform.rules.maxChanges.${action} = ${limit} (${examples.join(', ')}${count > examples.length ? ', ...' : ''}). Split the change into smaller plans, or raise the limit.`,
    });
  }
  if (limits.total !== undefined) {
    const total = materialChanges(plan);
    if (total > limits.total) {
      findings.push({
        level: limits.level,
        rule: 'max-changes.total',
        resource: WHOLE_PLAN,
        message: `${total} changed resources exceed terraform.rules.maxChanges.total = ${limits.total} (${counts.create} create, ${counts.update} update, ${counts.replace} replace, ${counts.delete} delete, ${counts.forget} forget, ${counts.moved} moved, ${counts.imported} imported). Split the change into smaller plans, or raise the limit.`,
      });
    }
  }
  return findings;
}

/** True when the existing object is destroyed (delete, or a replacement that does not forget it). */
function destroysObject(change: ResourceChange): boolean {
  return change.kind === 'delete' || (change.kind === 'replace' && !forgetsObject(change));
}

/** The guarded actions a change performs: a replacement that forgets the old object is both. */
function guardedActions(change: ResourceChange): GuardedAction[] {
  const actions: GuardedAction[] = [];
  if (change.kind === 'delete') actions.push('delete');
  if (change.kind === 'replace') actions.push('replace');
  if (forgetsObject(change)) actions.push('forget');
  return actions;
}

function targetMatcher(target: { types?: string[]; addresses?: string[] }): ChangeMatcher {
  const type: Matcher | undefined = target.types ? anyGlob(target.types) : undefined;
  const address: Matcher | undefined = target.addresses ? anyGlob(target.addresses) : undefined;
  return (change) =>
    (!type || type(change.type)) && (!address || address(change.address) || (change.previousAddress !== undefined && address(change.previousAddress)));
}

/** "kafka_topic.orders", or "kafka_topic.orders (deposed object 5f8e...)". */
export function resourceName(change: ResourceChange): string {
  return change.deposed ? `${change.address} (deposed object ${change.deposed})` : change.address;
}

/**
 * The action with its reason, as every finding about a resource starts:
 * "replace (delete, then create); action_reason replace_because_cannot_update (...); forced by partitions".
 */
export function describeChange(change: ResourceChange): string {
  const parts = [describeKind(change)];
  const reason = describeReason(change.actionReason);
  if (reason) parts.push(`action_reason ${reason}`);
  if (change.kind === 'replace' && change.replacePaths.length > 0) parts.push(`forced by ${change.replacePaths.map(formatAttributePath).join(', ')}`);
  return parts.join('; ');
}

function formatAttributePath(path: ReadonlyArray<string | number>): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : index === 0 ? step : `.${step}`)).join('');
}

function partitionDecrease(change: ResourceChange, path: Array<string | number>): string | undefined {
  const before = asCount(valueAt(change.before, path));
  const after = asCount(valueAt(change.after, path));
  const afterUnknown = valueAt(change.afterUnknown, path) === true;
  const attribute = formatAttributePath(path);
  const forcedReplace = change.kind === 'replace' && change.replacePaths.some((replacePath) => startsWith(replacePath, path));
  if (before !== undefined && after !== undefined && after < before) {
    const how = change.kind === 'replace' ? 'the provider replaces the topic to do it, which deletes its records' : 'Kafka cannot remove partitions, so the apply fails or the provider recreates the topic';
    return `${attribute} ${before} → ${after} is a decrease; ${how}. Keep ${before} partitions, or create a new topic with ${after}.`;
  }
  if (forcedReplace && !(before !== undefined && after !== undefined && after > before)) {
    const shown = afterUnknown || after === undefined ? 'a value known only after apply' : String(after);
    return `${attribute} ${before ?? '?'} → ${shown} forces the topic to be replaced, which deletes its records. Keep ${attribute} at ${before ?? 'its current value'}.`;
  }
  return undefined;
}

function asCount(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function startsWith(path: ReadonlyArray<string | number>, prefix: ReadonlyArray<string | number>): boolean {
  return prefix.length <= path.length && prefix.every((step, index) => path[index] === step);
}

function describeDrift(change: ResourceChange): string {
  const what = change.kind === 'delete' ? 'was deleted outside Terraform' : 'was changed outside Terraform';
  return `${what} since the last apply (drift: ${change.actions.join(', ')}); this plan ${change.kind === 'delete' ? 'may recreate it' : 'may revert or keep that change'}. Find out who changed it before syncing.`;
}
