/**
 * Which values of a plan JSON Terraform marked sensitive. `terraform show -json` writes those
 * values in clear text next to the markers (developer.hashicorp.com/terraform/internals/json-format:
 * before_sensitive / after_sensitive of a change mirror its values, with `true` where a value is
 * sensitive; an output's `sensitive` is true when it was declared so), so a plan file that holds
 * any of them must not be committed or shipped in a ConfigMap.
 */

/** Resource addresses and `output.<name>`s whose values the plan marks sensitive, in plan order. */
export function sensitiveValues(plan: Record<string, unknown>): string[] {
  const found = new Set<string>();
  for (const change of asArray(plan.resource_changes)) {
    const inner = asObject(asObject(change).change);
    if (holdsTrue(inner.before_sensitive) || holdsTrue(inner.after_sensitive)) found.add(String(asObject(change).address));
  }
  for (const [name, change] of Object.entries(asObject(plan.output_changes))) {
    if (holdsTrue(asObject(change).before_sensitive) || holdsTrue(asObject(change).after_sensitive)) found.add(`output.${name}`);
  }
  for (const [name, output] of Object.entries(asObject(asObject(plan.planned_values).outputs))) {
    if (asObject(output).sensitive === true) found.add(`output.${name}`);
  }
  return [...found];
}

/** The warning for a plan file that holds sensitive values, or undefined. */
export function sensitivePlanFileWarning(names: string[], shownAs: string): string | undefined {
  if (names.length === 0) return undefined;
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  return `${shownAs} holds values Terraform marked sensitive (${shown}), in clear text: terraform show -json writes them out. Keep such a file out of Git and ConfigMaps; use terraform.workdir, or fetch the plan at run time.`;
}

function holdsTrue(value: unknown): boolean {
  if (value === true) return true;
  if (Array.isArray(value)) return value.some(holdsTrue);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(holdsTrue);
  return false;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
