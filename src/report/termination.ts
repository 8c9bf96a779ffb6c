import { existsSync, writeFileSync } from 'node:fs';
import { formatDuration } from '../duration.js';
import { scrub, type Logger } from '../log.js';
import type { RunSummary, TaskResult } from './types.js';

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;
const DEFAULT_TERMINATION_LOG = '/dev/termination-log';

const STATUS_WORD: Record<TaskResult['status'], string> = { success: 'passed', failure: 'FAILED', error: 'ERROR', skipped: 'skipped' };

export interface TerminationDetails {
  /** The process's exit code, which may differ from the runner's when required reporting failed. */
  exitCode: number;
  /** What the reporters did: "6 GitHub status updates on acme/orders@1a2b3c4". */
  reporting?: string[];
  /** Why required reporting failed, when it did. */
  reportingFailure?: string;
}

/**
 * One paragraph saying how the run ended: the verdict, each task with its figures, and what was
 * reported. Kubernetes shows it in the pod's status (`kubectl describe pod`, ArgoCD's UI).
 */
export function terminationParagraph(summary: RunSummary, details: TerminationDetails): string {
  const env = summary.environment !== 'default' ? ` (${summary.environment})` : '';
  const verdict = summary.interrupted
    ? `interrupted: ${summary.interrupted}`
    : details.exitCode === 0
      ? summary.dryRun || summary.mode === 'plan'
        ? 'every plan passes, nothing applied'
        : 'succeeded'
      : 'failed';
  const head = `synchook ${summary.mode}${env} ${verdict}, exit ${details.exitCode} after ${formatDuration(summary.durationMs)}.`;
  const tasks = summary.results.length === 0
    ? 'No task ran.'
    : `${summary.results.map((result) => `${result.task} ${STATUS_WORD[result.status]}: ${clip(result.summary, 300)}`).join('; ')}.`;
  const reporting = [...(details.reporting ?? []), details.reportingFailure ? `reporting failed: ${details.reportingFailure}` : undefined].filter(Boolean);
  const tail = reporting.length > 0 ? ` Reported: ${reporting.join('; ')}.` : '';
  return scrub(`${head} ${tasks}${tail}`.replace(/\s*\n\s*/g, ' ').replace(/\.{2,}(?=\s|$)/g, '.'));
}

/**
 * Writes the paragraph where Kubernetes reads the termination message. Only when the file
 * exists: outside a pod, /dev/termination-log is not there and nothing is created.
 */
export function writeTerminationMessage(paragraph: string, options: { path?: string; log?: Logger } = {}): boolean {
  const path = options.path ?? DEFAULT_TERMINATION_LOG;
  if (!existsSync(path)) return false;
  try {
    writeFileSync(path, truncateBytes(paragraph, TERMINATION_MESSAGE_MAX_BYTES));
    return true;
  } catch (error) {
    options.log?.warn({ file: path, error: (error as Error).message }, 'could not write the termination message');
    return false;
  }
}

/** At most `max` bytes of UTF-8, cut at a character boundary, ending with "…" when cut. */
export function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const ellipsis = '…';
  let out = '';
  let bytes = Buffer.byteLength(ellipsis);
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > max) break;
    out += char;
    bytes += size;
  }
  return `${out}${ellipsis}`;
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
