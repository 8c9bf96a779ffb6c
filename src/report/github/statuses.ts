import { formatDuration } from '../../duration.js';
import type { Phase } from '../../tasks/types.js';
import { describeApplied } from '../applied.js';
import type { RunSummary, TaskResult } from '../types.js';

/** The four states GitHub accepts for a commit status. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export function taskContext(prefix: string, phase: Phase, task: string): string {
  return `${prefix}/${phase}/${task}`;
}

export function phaseContext(prefix: string, phase: Phase): string {
  return `${prefix}/${phase}`;
}

/**
 * success → success; failure (a check rejected the change) → failure; error (synchook could not
 * do its job: bad config, unreachable dependency, deadline, signal) → error.
 *
 * skipped ("not applied because another task's plan was rejected or failed"): GitHub has no
 * neutral state, and success would show a change as deployed that was not. The skipped task takes
 * the verdict of what stopped it: error when the run was interrupted or any task ended in error,
 * failure otherwise. Its description names the task that stopped it.
 */
export function stateOf(result: TaskResult, run: Pick<RunSummary, 'results' | 'interrupted'>): CommitState {
  if (result.status !== 'skipped') return result.status;
  if (run.interrupted || run.results.some((other) => other.status === 'error')) return 'error';
  return 'failure';
}

export function finalDescription(result: TaskResult, options: { dryRun: boolean }): string {
  const took = formatDuration(result.durationMs);
  switch (result.status) {
    case 'success':
      return options.dryRun ? `dry run: ${result.summary}` : `${result.summary} (${took})`;
    case 'failure': {
      const [first, ...more] = result.violations;
      if (!first) return result.summary;
      return `${more.length > 0 ? `${more.length + 1} violations: ` : 'rejected: '}${first.resource}: ${first.message}`;
    }
    case 'error':
      return result.summary.startsWith('stopped:') ? `${result.summary} after ${took}` : result.summary;
    case 'skipped':
      return result.summary;
  }
}

export function pendingDescription(phase: Phase, started: boolean, dryRun: boolean): string {
  if (!started) return 'queued';
  if (phase === 'presync') return dryRun ? 'planning (dry run)' : 'running: plan every task, then apply';
  return 'running';
}

/** The verdict of a phase: the worst of its tasks; an interrupted run is an error. */
export function phaseVerdict(phase: Phase, run: RunSummary): { state: CommitState; description: string } {
  const results = run.results.filter((result) => result.phase === phase);
  if (run.interrupted) {
    // What was applied before the stop first: a status keeps 140 characters.
    const applied = results.filter((result) => result.applied).map((result) => describeApplied(result.applied!));
    return { state: 'error', description: applied.length > 0 ? `stopped: ${applied.join('; ')} (${run.interrupted})` : run.interrupted };
  }
  const states = results.map((result) => ({ result, state: stateOf(result, run) }));
  const named = (state: CommitState) => states.filter((item) => item.state === state && item.result.status !== 'skipped').map((item) => item.result.task);
  const errors = named('error');
  const failures = named('failure');
  const skipped = results.filter((result) => result.status === 'skipped').length;
  const passed = results.filter((result) => result.status === 'success').length;
  const took = formatDuration(run.durationMs);
  if (errors.length === 0 && failures.length === 0 && skipped === 0) {
    const what = run.dryRun ? 'planned' : 'passed';
    return { state: 'success', description: `${passed} task${passed === 1 ? '' : 's'} ${what} in ${took}` };
  }
  const parts = [
    errors.length > 0 && `error: ${errors.join(', ')}`,
    failures.length > 0 && `failed: ${failures.join(', ')}`,
    skipped > 0 && `${skipped} not applied`,
    passed > 0 && `${passed} passed`,
  ].filter(Boolean);
  const state: CommitState = states.some((item) => item.state === 'error') ? 'error' : 'failure';
  return { state, description: parts.join(' · ') };
}
