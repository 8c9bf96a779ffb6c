import type { RunSummary, TaskResult } from './types.js';
import { describeViolation, verdictLine } from './render.js';

/** GitHub refuses an issue or pull-request comment body over 65,536 characters (422 "Body is too long"). */
const GITHUB_COMMENT_LIMIT = 65_536;

const SYMBOL = { create: '+', update: '~', delete: '-' } as const;

/** The hidden line by which the plan comment of one environment is found again on the next push. */
export function commentMarker(environment: string): string {
  return `<!-- synchook-plan environment=${environment.replace(/-->/g, '')} -->`;
}

/**
 * The plan as a pull-request comment: the marker, the commit it was planned for, every violation
 * first, then one collapsible section per task, open when the task has changes. Longer than
 * `limit`: cut at a line, with a note that says where the full plan is.
 */
export function renderPlanComment(summary: RunSummary, options: { sha?: string; limit?: number; fullPlanAt?: string } = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const lines: string[] = [commentMarker(summary.environment), `### synchook plan${summary.environment !== 'default' ? ` · ${summary.environment}` : ''}`, ''];
  if (options.sha) lines.push(`Planned for commit ${options.sha}.`, '');
  lines.push(verdictLine(summary).trim(), '');
  const violations = summary.results.flatMap((result) => result.violations.map((violation) => ({ task: result.task, violation })));
  if (violations.length > 0) {
    lines.push(`#### Violations (${violations.length})`, '');
    for (const { task, violation } of violations) lines.push(`- **${task}**: ${escapeMarkdown(describeViolation(violation))}`);
    lines.push('');
  }
  for (const result of summary.results) lines.push(...taskSection(result), '');
  return cut(lines.join('\n'), limit, options.fullPlanAt ?? 'the job summary');
}

function taskSection(result: TaskResult): string[] {
  const changed = result.changes.length > 0 || result.violations.length > 0 || result.status === 'error' || result.status === 'failure';
  const out = [`<details${changed ? ' open' : ''}><summary><b>${escapeHtml(result.task)}</b>: ${escapeHtml(result.summary)}</summary>`, ''];
  if (result.changes.length > 0) {
    out.push('```diff');
    for (const change of result.changes) {
      out.push(`${SYMBOL[change.action]} ${change.resource}${change.detail ? `: ${change.detail}` : ''}`);
      for (const line of change.lines ?? []) out.push(`${SYMBOL[change.action]}     ${line}`);
    }
    out.push('```', '');
  } else if (!changed) {
    out.push('No changes.', '');
  }
  for (const warning of result.warnings) out.push(`> warning: ${escapeMarkdown(warning)}`);
  out.push('</details>');
  return out;
}

function cut(text: string, limit: number, fullPlanAt: string): string {
  if (text.length <= limit) return text;
  const note = `\n\n… The plan is cut here: it is longer than GitHub's limit of ${limit.toLocaleString('en-US')} characters for a comment. The full plan is in ${fullPlanAt}.\n`;
  let body = text.slice(0, limit - note.length - 8);
  body = body.slice(0, Math.max(0, body.lastIndexOf('\n')));
  // Close a diff block left open by the cut, so the note is not shown as code.
  if ((body.match(/^```/gm) ?? []).length % 2 === 1) body += '\n```';
  return `${body}${note}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeMarkdown(text: string): string {
  return escapeHtml(text).replace(/([\\`*_[\]|])/g, '\\$1');
}
