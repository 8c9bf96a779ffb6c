import { z } from 'zod';
import { readInputText, resolveInputPath } from '../../config/input.js';
import { ConfigError } from '../../errors.js';
import { formatPath } from '../../config/yaml.js';
import { classifyActions, type ChangeKind, type ReplaceOrder } from './actions.js';
import { sensitiveValues } from './sensitive.js';

/**
 * Reads Terraform's machine-readable plan (`terraform show -json tfplan`), format 0.1 (Terraform
 * 0.12) to 1.x. Only the parts the policy needs are checked; every other key is ignored, as the
 * format asks of consumers: "Ignore any object properties with unrecognized names to remain
 * forward-compatible with future minor versions. [...] Reject any input which reports an
 * unsupported major version." (developer.hashicorp.com/terraform/internals/json-format)
 */

/** One resource instance object in resource_changes or resource_drift, with its action reduced to a kind. */
export interface ResourceChange {
  address: string;
  /** Set when a moved block (or a refactor) gave the object a new address in this plan. */
  previousAddress?: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  providerName?: string;
  /** Key of a deposed object (left over from a create_before_destroy that failed). */
  deposed?: string;
  actions: string[];
  kind: ChangeKind;
  replaceOrder?: ReplaceOrder;
  actionReason?: string;
  before: unknown;
  after: unknown;
  afterUnknown: unknown;
  beforeSensitive: unknown;
  afterSensitive: unknown;
  /** Attribute paths that forced a replacement, e.g. [["partitions"]]. */
  replacePaths: Array<Array<string | number>>;
  /** Present when the plan imports the object (Terraform 1.5+). */
  importing?: { id?: string; identity?: unknown };
}

export interface TerraformPlan {
  formatVersion: string;
  terraformVersion?: string;
  resourceChanges: ResourceChange[];
  resourceDrift: ResourceChange[];
  /** Changes Terraform postponed to a later plan (deferred_changes, Terraform 1.9+ experiments). */
  deferredChanges: number;
  /** Root module outputs that change (output_changes), no-ops left out. */
  outputChanges?: OutputChange[];
  /** Terraform 1.8+ writes errored, applyable and complete; older versions leave them out. */
  errored?: boolean;
  applyable?: boolean;
  complete?: boolean;
  /** What the file holds that Terraform marked sensitive (resource addresses, output.<name>), in clear text. */
  sensitive: string[];
}

/** A root module output whose value changes; values stay hidden when Terraform marks them sensitive. */
export interface OutputChange {
  name: string;
  kind: ChangeKind;
  before: unknown;
  after: unknown;
  /** The new value is known only after apply. */
  afterUnknown: boolean;
  sensitive: boolean;
}

/** The format versions this reader understands: the major versions 0 (0.12–1.0) and 1. */
const SUPPORTED_MAJORS = new Set([0, 1]);

const Path = z.array(z.union([z.string(), z.number()]));

const ChangeJson = z.looseObject({
  actions: z.array(z.string()).min(1, { message: 'is empty' }),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  after_unknown: z.unknown().optional(),
  before_sensitive: z.unknown().optional(),
  after_sensitive: z.unknown().optional(),
  replace_paths: z.array(Path).nullish(),
  importing: z.looseObject({ id: z.string().optional(), identity: z.unknown().optional() }).nullish(),
});

const ResourceChangeJson = z.looseObject({
  address: z.string().min(1),
  previous_address: z.string().optional(),
  mode: z.string().optional(),
  type: z.string().min(1),
  name: z.string().optional(),
  provider_name: z.string().optional(),
  deposed: z.string().optional(),
  change: ChangeJson,
  action_reason: z.string().optional(),
});

const PlanJson = z.looseObject({
  format_version: z.string({ error: 'missing or not a string, so this is not a Terraform plan' }),
  terraform_version: z.string().optional(),
  resource_changes: z.array(ResourceChangeJson).nullish(),
  resource_drift: z.array(ResourceChangeJson).nullish(),
  deferred_changes: z.array(z.unknown()).nullish(),
  output_changes: z.record(z.string(), ChangeJson).nullish(),
  errored: z.boolean().optional(),
  applyable: z.boolean().optional(),
  complete: z.boolean().optional(),
});

/** Reads and parses a plan JSON file; any problem with the file is a ConfigError naming it. */
/** Reads terraform.planJson, a path relative to the config folder that must stay inside its allowed folders. */
export async function readPlanFile(configDir: string, shownAs: string): Promise<TerraformPlan> {
  const file = resolveInputPath(configDir, shownAs, 'terraform.planJson');
  let text: string;
  try {
    text = readInputText(configDir, file, shownAs);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigError(`${shownAs}: the plan file ${reason}. Write it with \`terraform plan -out=tfplan && terraform show -json tfplan > ${shownAs}\`, or fix terraform.planJson.`);
  }
  return parsePlanJson(text, shownAs);
}

export function parsePlanJson(text: string, shownAs: string): TerraformPlan {
  let value: unknown;
  try {
    // terraform show writes UTF-8; an editor or PowerShell redirect may add a byte order mark.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const hint = /^\s*(Terraform|[│╷─]|\u001b)/.test(text) ? ' It looks like the human-readable plan: use `terraform show -json tfplan`.' : '';
    throw new ConfigError(`${shownAs}: not valid JSON (${(error as Error).message}).${hint} Write the file with \`terraform show -json tfplan\`.`);
  }
  const unwrapped = unwrap(value);
  if (unwrapped === undefined) {
    throw new ConfigError(`${shownAs}: expected a JSON object with format_version and resource_changes; write the file with \`terraform show -json tfplan\`.`);
  }
  if (isStateJson(unwrapped)) {
    throw new ConfigError(`${shownAs}: this is a state, not a plan (it has "values" but no planned changes). Use \`terraform show -json tfplan\` on a plan file made with \`terraform plan -out=tfplan\`.`);
  }
  const parsed = PlanJson.safeParse(unwrapped);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${shownAs}: ${formatPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}. Write the file with \`terraform show -json tfplan\` (Terraform 0.12 or later).`);
  }
  const plan = parsed.data;
  const major = Number(/^(\d+)\.\d+/.exec(plan.format_version)?.[1] ?? Number.NaN);
  if (!SUPPORTED_MAJORS.has(major)) {
    throw new ConfigError(
      `${shownAs}: format_version "${plan.format_version}" is not supported (synchook reads plan JSON format 0.x and 1.x). Produce the plan with a Terraform or OpenTofu release that writes format 1.x, or upgrade synchook.`,
    );
  }
  return {
    formatVersion: plan.format_version,
    terraformVersion: plan.terraform_version,
    resourceChanges: (plan.resource_changes ?? []).map(toResourceChange),
    resourceDrift: (plan.resource_drift ?? []).map(toResourceChange),
    deferredChanges: plan.deferred_changes?.length ?? 0,
    outputChanges: Object.entries(plan.output_changes ?? {}).map(([name, change]) => toOutputChange(name, change)).filter((change) => change.kind !== 'no-op'),
    errored: plan.errored,
    applyable: plan.applyable,
    complete: plan.complete,
    sensitive: sensitiveValues(unwrapped),
  };
}

/** Some tools (HCP Terraform exports, CI wrappers) hand the plan on as `{ "plan": { ... } }`. */
function unwrap(value: unknown): Record<string, unknown> | undefined {
  if (!isObject(value)) return undefined;
  if (value.format_version === undefined && isObject(value.plan)) return value.plan;
  return value;
}

function isStateJson(value: Record<string, unknown>): boolean {
  return value.values !== undefined && value.resource_changes === undefined && value.planned_values === undefined && value.configuration === undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toOutputChange(name: string, change: z.output<typeof ChangeJson>): OutputChange {
  return {
    name,
    kind: classifyActions(change.actions).kind,
    before: change.before ?? null,
    after: change.after ?? null,
    afterUnknown: change.after_unknown === true,
    sensitive: change.before_sensitive === true || change.after_sensitive === true,
  };
}

function toResourceChange(json: z.output<typeof ResourceChangeJson>): ResourceChange {
  const classified = classifyActions(json.change.actions);
  const previousAddress = json.previous_address && json.previous_address !== json.address ? json.previous_address : undefined;
  return {
    address: json.address,
    previousAddress,
    mode: json.mode === 'data' ? 'data' : 'managed',
    type: json.type,
    name: json.name ?? '',
    providerName: json.provider_name,
    deposed: json.deposed,
    actions: json.change.actions,
    kind: classified.kind,
    replaceOrder: classified.replaceOrder,
    actionReason: json.action_reason,
    before: json.change.before ?? null,
    after: json.change.after ?? null,
    afterUnknown: json.change.after_unknown ?? {},
    beforeSensitive: json.change.before_sensitive ?? {},
    afterSensitive: json.change.after_sensitive ?? {},
    replacePaths: json.change.replace_paths ?? [],
    importing: json.change.importing ?? undefined,
  };
}
