import { formatDuration } from '../duration.js';
import type { PlannedChange, Violation } from '../tasks/types.js';
import type { RunSummary, TaskResult } from './types.js';
import { appliedJson, describeApplied } from './applied.js';

const SYMBOL: Record<PlannedChange['action'], string> = { create: '+', update: '~', delete: '-' };
const STATUS_MARK: Record<TaskResult['status'], string> = { success: 'ok', failure: 'FAILED', error: 'ERROR', skipped: 'skipped' };

/** The readable diff: + create, ~ change (old → new), - delete, ! violation. */
export function renderPlanText(summary: RunSummary, options: { verdict?: boolean } = {}): string {
  const lines: string[] = summary.results.map(renderTaskText);
  if (summary.results.length === 0) lines.push(NO_TASK, '');
  if (options.verdict ?? true) lines.push(verdictLine(summary));
  return lines.join('\n').replace(/\n+$/, '');
}

export const NO_TASK = 'No task is configured for this phase: add a section (topics, schemas, ...) to the config.';

/** One task's block of the diff, ending with an empty line; printed as soon as the task ends. */
export function renderTaskText(result: TaskResult): string {
  const lines: string[] = [];
  lines.push(`${result.task} (${result.phase}): ${result.summary}`);
  for (const change of result.changes) {
    lines.push(`  ${SYMBOL[change.action]} ${change.resource}${change.detail ? `: ${change.detail}` : ''}`);
    for (const line of change.lines ?? []) lines.push(`      ${line}`);
  }
  for (const violation of result.violations) lines.push(`  ! ${describeViolation(violation)}`);
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  for (const detail of result.outcome?.details ?? []) lines.push(`  ${detail}`);
  if (result.changes.length === 0 && result.violations.length === 0 && result.status === 'success' && result.phase === 'presync') lines.push('  (no changes)');
  lines.push('');
  return lines.join('\n');
}

export function renderPlanMarkdown(summary: RunSummary): string {
  const lines: string[] = [`### synchook ${summary.mode}${summary.environment !== 'default' ? ` · ${summary.environment}` : ''}`, '', verdictLine(summary), ''];
  lines.push('| task | status | summary |', '| --- | --- | --- |');
  for (const result of summary.results) lines.push(`| ${result.task} | ${STATUS_MARK[result.status]} | ${escapeCell(result.summary)} |`);
  for (const result of summary.results) if (result.applied) lines.push('', `**${result.task}** stopped part way: ${describeApplied(result.applied)}.`);
  for (const result of summary.results) {
    if (result.changes.length === 0 && result.violations.length === 0 && result.warnings.length === 0) continue;
    lines.push('', `#### ${result.task}`, '', '```diff');
    for (const change of result.changes) {
      lines.push(`${SYMBOL[change.action]} ${change.resource}${change.detail ? `: ${change.detail}` : ''}`);
      for (const line of change.lines ?? []) lines.push(`${SYMBOL[change.action]}     ${line}`);
    }
    for (const violation of result.violations) lines.push(`! ${describeViolation(violation)}`);
    lines.push('```');
    for (const warning of result.warnings) lines.push(`> warning: ${warning}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderPlanJson(summary: RunSummary): string {
  return JSON.stringify(
    {
      mode: summary.mode,
      environment: summary.environment,
      exitCode: summary.exitCode,
      durationMs: summary.durationMs,
      interrupted: summary.interrupted,
      tasks: summary.results.map((result) => ({
        task: result.task,
        phase: result.phase,
        status: result.status,
        summary: result.summary,
        durationMs: result.durationMs,
        changes: result.changes,
        violations: result.violations,
        warnings: result.warnings,
        figures: result.outcome?.figures ?? result.plan?.figures,
        error: result.error,
        applied: result.applied && appliedJson(result.applied),
      })),
    },
    null,
    2,
  );
}

/** One line per task, printed at the end of every run. */
export function renderSummaryLines(summary: RunSummary): string {
  const width = Math.max(4, ...summary.results.map((result) => result.task.length));
  const lines = summary.results.map((result) => `${STATUS_MARK[result.status].padEnd(7)} ${result.task.padEnd(width)}  ${result.summary} (${formatDuration(result.durationMs)})`);
  lines.push(verdictLine(summary));
  return lines.join('\n');
}

export function verdictLine(summary: RunSummary): string {
  const took = formatDuration(summary.durationMs);
  if (summary.interrupted) return `synchook ${summary.mode}: interrupted: ${summary.interrupted} (exit ${summary.exitCode})`;
  if (summary.exitCode === 0) {
    const what = summary.mode === 'plan' || summary.dryRun ? 'every plan passes; nothing was applied' : 'done';
    return `synchook ${summary.mode}: ${what} in ${took} (exit 0)`;
  }
  const failed = summary.results.filter((result) => result.status === 'failure' || result.status === 'error').map((result) => result.task);
  return `synchook ${summary.mode}: stopped: ${failed.join(', ') || 'a task'} did not pass, see above (exit ${summary.exitCode})`;
}

export function describeViolation(violation: Violation): string {
  const where = violation.file ? ` [${violation.file}]` : '';
  return `${violation.resource}: ${violation.message}${violation.rule ? ` (rule ${violation.rule})` : ''}${where}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
