/**
 * The results table: one row per scenario and baseline (a scenario with two baselines has two
 * rows; its own cells are written in the first). Rendered as aligned text for the terminal and as
 * Markdown for bench/results.md.
 */
import { megabytes, ratio, type ScenarioResult, type TargetRow } from './results.js';

const HEADER = ['scenario', 'synchook', 'baseline', 'baseline / synchook', 'peak RSS (synchook)', 'target', 'met?'] as const;

export function tableRows(results: ScenarioResult[]): string[][] {
  const rows: string[][] = [];
  for (const result of results) {
    const scenario = `${result.id}. ${result.title}`;
    const met = result.met !== undefined ? (result.met ? 'yes' : 'NO') : result.error ? 'error' : '—';
    const synchook = result.synchook?.display ?? (result.error ? `failed: ${result.error}` : '—');
    const rss = megabytes(result.synchook?.peakRssKb);
    const baselines = result.baselines.length > 0 ? result.baselines : [undefined];
    baselines.forEach((baseline, index) => {
      const first = index === 0;
      rows.push([
        first ? scenario : '',
        first ? synchook : '',
        baseline ? `${baseline.name}: ${baseline.display}` : '—',
        baseline && !baseline.reference ? ratio(baseline.seconds, result.synchook?.seconds) : '—',
        first ? (result.synchook ? rss : '—') : '',
        first ? result.target : '',
        first ? met : '',
      ]);
    });
  }
  return rows;
}

const TARGET_HEADER = ['scenario', 'target', 'measured', 'ratio', 'met?'] as const;

/** One row per target of the issue, in scenario order. */
export function targetRows(results: ScenarioResult[]): string[][] {
  const met = (row: TargetRow) => (row.met === undefined ? '—' : row.met ? 'yes' : 'NO');
  return results.flatMap((result) => (result.targets ?? []).map((row) => [`${result.id}. ${row.what}`, row.target, row.measured, row.ratio, met(row)]));
}

function alignedText(header: readonly string[], body: string[][]): string {
  const rows = [[...header], ...body];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function markdown(header: readonly string[], body: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...body.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

export function textTable(results: ScenarioResult[]): string {
  return alignedText(HEADER, tableRows(results));
}

export function markdownTable(results: ScenarioResult[]): string {
  return markdown(HEADER, tableRows(results));
}

export function targetsTextTable(results: ScenarioResult[]): string {
  return alignedText(TARGET_HEADER, targetRows(results));
}

export function targetsMarkdownTable(results: ScenarioResult[]): string {
  return markdown(TARGET_HEADER, targetRows(results));
}

/** Notes under the table, numbered by scenario. */
export function noteLines(results: ScenarioResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    for (const note of result.notes) lines.push(`- (${result.id}) ${note}`);
  }
  return lines;
}
