import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { resolveInputPath } from '../../config/input.js';
import { ConfigError } from '../../errors.js';
import { definePlanApplyTask, type OfflineContext, type PlannedChange, type TaskPlan, type ValidationReport, type Violation } from '../types.js';
import { describeKind } from './actions.js';
import { TerraformSection } from './config.js';
import { countActions, countFigures, describeCounts, isMaterial, type ActionCounts } from './counts.js';
import { readPlanFile, type OutputChange, type ResourceChange, type TerraformPlan } from './plan-json.js';
import { WHOLE_PLAN, describeChange, evaluateRules, resourceName, type Finding } from './rules.js';
import { planInWorkdir } from './run-terraform.js';
import { sensitivePlanFileWarning } from './sensitive.js';
import { attributeChanges } from './values.js';

export interface TerraformState {
  counts: ActionCounts;
  terraformVersion?: string;
  formatVersion?: string;
}

/**
 * PreSync check of a Terraform plan against a policy: nothing destroys the Kafka resources the
 * application needs, partitions never shrink, the plan stays within the limits set. It applies
 * nothing: Terraform applies its own plan; synchook only lets the sync go on or stops it.
 */
export const terraformTask = definePlanApplyTask({
  name: 'terraform',
  phase: 'presync',
  configKey: 'terraform',
  configSchema: TerraformSection,
  description: 'Check a Terraform plan (a plan JSON file, or a plan synchook makes in a working directory) against built-in and configured policies.',

  async plan(ctx, section): Promise<TaskPlan<TerraformState>> {
    let plan: TerraformPlan;
    let fileWarning: string | undefined;
    if (section.planJson !== undefined) {
      plan = await readPlanFile(ctx.configDir, section.planJson);
      fileWarning = sensitivePlanFileWarning(plan.sensitive, section.planJson);
    } else {
      const result = await planInWorkdir({ section, configDir: ctx.configDir, log: ctx.log, signal: ctx.signal });
      if (result.status === 'errored') return erroredPlan(basename(section.binary), result.errors);
      plan = result.plan;
    }
    const checked = checkPlan(plan, section);
    if (fileWarning) checked.warnings.push(fileWarning);
    ctx.log.info({ counts: checked.figures, violations: checked.violations.length, terraformVersion: plan.terraformVersion }, `terraform plan: ${describeCounts(checked.state!.counts)}`);
    return checked;
  },

  // Terraform applies its own plan; this task only decides whether the sync may go on.
  async apply(_ctx, _section, plan) {
    return { summary: `plan passes the policy: ${describeCounts(plan.state!.counts)}`, figures: plan.figures };
  },

  describePlan(plan) {
    return plan.state ? `plan passes the policy: ${describeCounts(plan.state.counts)}` : 'no plan';
  },

  async validate(ctx, section) {
    return validateOffline(ctx, section);
  },
});

/** The policy applied to a parsed plan: the diff, the violations and the warnings. */
export function checkPlan(plan: TerraformPlan, section: Pick<TerraformSection, 'rules'>): TaskPlan<TerraformState> {
  const counts = countActions(plan);
  const findings = evaluateRules(plan, section.rules);
  return {
    task: 'terraform',
    changes: [...plan.resourceChanges.filter(isMaterial).map(toPlannedChange), ...(plan.outputChanges ?? []).map(toOutputPlannedChange)],
    violations: findings.filter((finding) => finding.level === 'deny').map(toViolation),
    warnings: findings.filter((finding) => finding.level === 'warn').map(toWarning),
    figures: countFigures(counts),
    state: { counts, terraformVersion: plan.terraformVersion, formatVersion: plan.formatVersion },
  };
}

function erroredPlan(program: string, errors: string): TaskPlan<TerraformState> {
  return {
    task: 'terraform',
    changes: [],
    violations: [{ resource: WHOLE_PLAN, rule: 'plan-errored', message: `${program} plan failed, so there is no plan to check: ${errors}` }],
    warnings: [],
    figures: {},
    state: { counts: countActions({ formatVersion: '', resourceChanges: [], resourceDrift: [], deferredChanges: 0, sensitive: [] }) },
  };
}

/**
 * A plan entry in synchook's diff: + create, ~ update (moves and imports too), - delete
 * (replacements and forgets too, since the object that exists now goes away).
 */
function toPlannedChange(change: ResourceChange): PlannedChange {
  const lines: string[] = [];
  if (change.previousAddress) lines.push(`moved from ${change.previousAddress}`);
  if (change.importing) lines.push(`imported${change.importing.id ? ` (id ${change.importing.id})` : ''}`);
  if (change.kind === 'update' || change.kind === 'replace') lines.push(...attributeChanges(change));
  const action: PlannedChange['action'] = change.kind === 'create' ? 'create' : change.kind === 'replace' || change.kind === 'delete' || change.kind === 'forget' ? 'delete' : 'update';
  const detail = change.kind === 'no-op' ? (change.previousAddress ? 'move' : 'import') : change.kind === 'create' || change.kind === 'update' ? describeKind(change) : describeChange(change);
  return { action, resource: resourceName(change), detail, lines: lines.length > 0 ? lines : undefined };
}

/** An output in synchook's diff, the way `terraform plan` lists "Changes to Outputs". */
function toOutputPlannedChange(change: OutputChange): PlannedChange {
  const show = (value: unknown): string => (change.sensitive ? '(sensitive value)' : shortValue(value));
  const after = change.afterUnknown ? '(known after apply)' : show(change.after);
  if (change.kind === 'create') return { action: 'create', resource: `output ${change.name}`, detail: `= ${after}` };
  if (change.kind === 'delete') return { action: 'delete', resource: `output ${change.name}`, detail: `was ${show(change.before)}` };
  return { action: 'update', resource: `output ${change.name}`, detail: `${show(change.before)} → ${after}` };
}

function shortValue(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function toViolation(finding: Finding): Violation {
  return { resource: finding.resource, message: finding.message, rule: finding.rule };
}

function toWarning(finding: Finding): string {
  return `${finding.resource}: ${finding.message} (rule ${finding.rule})`;
}

/** `synchook validate`: a plan file is checked in full; a working directory only for its presence. */
async function validateOffline(ctx: OfflineContext, section: TerraformSection): Promise<ValidationReport> {
  if (section.planJson !== undefined) {
    const plan = await readPlanFile(ctx.configDir, section.planJson);
    const checked = checkPlan(plan, section);
    return {
      checked: [`${section.planJson}: Terraform ${plan.terraformVersion ?? '(version not recorded)'}, format ${plan.formatVersion}: ${describeCounts(checked.state!.counts)}`],
      violations: checked.violations,
      warnings: [...checked.warnings, ...[sensitivePlanFileWarning(plan.sensitive, section.planJson)].filter((warning) => warning !== undefined)],
    };
  }
  const folder = resolveInputPath(ctx.configDir, section.workdir!, 'terraform.workdir');
  const entries = await readdir(folder).catch(() => {
    throw new ConfigError(`terraform.workdir: ${section.workdir} does not exist (looked for ${folder}). Point it at the folder of the Terraform root module, relative to the config file.`);
  });
  const sources = entries.filter((name) => name.endsWith('.tf') || name.endsWith('.tf.json') || name.endsWith('.tofu'));
  if (sources.length === 0) {
    return { checked: [`${section.workdir}: no .tf files`], violations: [{ resource: section.workdir!, message: `${section.workdir} holds no .tf files, so terraform would plan to destroy everything it manages. Point terraform.workdir at the root module.`, rule: 'workdir' }], warnings: [] };
  }
  return { checked: [`${section.workdir}: ${sources.length} Terraform file${sources.length === 1 ? '' : 's'}; the plan is made and checked at presync (needs ${section.binary} and the backend)`], violations: [], warnings: [] };
}
