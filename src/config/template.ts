/**
 * `{name}` templates for status links and names. Every variable is documented in
 * docs/reporting.md; a template naming an unknown variable is refused by the config.
 */
export const TEMPLATE_VARIABLES = [
  'env',
  'mode',
  'phase',
  'task',
  'context',
  'sha',
  'shortSha',
  'repository',
  'owner',
  'repo',
  'argocdApp',
  'argocdAppNamespace',
  'namespace',
  'pod',
  'jobName',
] as const;

type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Partial<Record<TemplateVariable, string>>;

const VARIABLE = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

export function templateVariables(template: string): string[] {
  return [...template.matchAll(VARIABLE)].map((match) => match[1]!);
}

/** The rendered text, or the variables that have no value here (the caller decides what to do). */
export function renderTemplate(template: string, values: TemplateValues): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(VARIABLE, (whole, name: string) => {
    const value = values[name as TemplateVariable];
    // An empty value renders as nothing ({task} of a phase aggregate); only an unknown one is missing.
    if (value === undefined) {
      missing.push(name);
      return whole;
    }
    return value;
  });
  return { text, missing };
}
