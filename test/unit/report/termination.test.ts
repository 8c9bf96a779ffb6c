import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { phaseVerdict, stateOf } from '../../../src/report/github/statuses.js';
import { TERMINATION_MESSAGE_MAX_BYTES, terminationParagraph, truncateBytes, writeTerminationMessage } from '../../../src/report/termination.js';
import type { RunSummary, TaskResult } from '../../../src/report/types.js';

function result(task: string, status: TaskResult['status'], summary: string): TaskResult {
  return { task, phase: 'presync', status, summary, durationMs: 1200, exitCode: status === 'success' ? 0 : 1, changes: [], violations: [], warnings: [] };
}

function summaryOf(results: TaskResult[], extra: Partial<RunSummary> = {}): RunSummary {
  return { mode: 'presync', environment: 'prod', exitCode: 1, startedAt: 0, durationMs: 41_000, results, dryRun: false, ...extra };
}

describe('the termination paragraph', () => {
  it('says how the run ended, each task with its figures, and what was reported, in one paragraph', () => {
    const run = summaryOf([result('schemas', 'skipped', 'not applied: topics was rejected'), result('topics', 'failure', 'rejected: 1 violation (topic orders.v1)')]);
    const text = terminationParagraph(run, { exitCode: 1, reporting: ['4 GitHub status updates on acme/orders@1a2b3c4'] });
    expect(text).toBe('synchook presync (prod) failed, exit 1 after 41 s. schemas skipped: not applied: topics was rejected; topics FAILED: rejected: 1 violation (topic orders.v1). Reported: 4 GitHub status updates on acme/orders@1a2b3c4.');
    expect(text).not.toContain('\n');
  });

  it('names the signal of an interrupted run and a failed required report', () => {
    const run = summaryOf([result('topics', 'error', 'stopped: terminated by SIGTERM')], { interrupted: 'terminated by SIGTERM after 41 s', exitCode: 143 });
    const text = terminationParagraph(run, { exitCode: 143, reportingFailure: 'GitHub at https://api.github.com could not be reached' });
    expect(text).toMatch(/^synchook presync \(prod\) interrupted: terminated by SIGTERM after 41 s, exit 143/);
    expect(text).toContain('reporting failed: GitHub at https://api.github.com could not be reached');
  });

  it('is written only where the file exists, within the 4096 bytes Kubernetes keeps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-termination-'));
    expect(writeTerminationMessage('x', { path: join(dir, 'absent') })).toBe(false);
    const file = join(dir, 'termination-log');
    writeFileSync(file, '');
    expect(writeTerminationMessage('é'.repeat(5000), { path: file })).toBe(true);
    const written = readFileSync(file);
    expect(written.length).toBeLessThanOrEqual(TERMINATION_MESSAGE_MAX_BYTES);
    expect(written.toString('utf8').endsWith('…')).toBe(true);
    expect(truncateBytes('short', 10)).toBe('short');
  });
});

describe('states of skipped tasks and phases', () => {
  it('a task kept from applying by a rejection is failure; by an error or a signal, error', () => {
    const skipped = result('schemas', 'skipped', 'not applied');
    expect(stateOf(skipped, { results: [skipped, result('topics', 'failure', 'x')] })).toBe('failure');
    expect(stateOf(skipped, { results: [skipped, result('topics', 'error', 'x')] })).toBe('error');
    expect(stateOf(skipped, { results: [skipped], interrupted: 'terminated by SIGTERM after 3 s' })).toBe('error');
  });

  it('a phase takes the worst state of its tasks', () => {
    expect(phaseVerdict('presync', summaryOf([result('a', 'success', ''), result('b', 'success', '')], { exitCode: 0 }))).toEqual({ state: 'success', description: '2 tasks passed in 41 s' });
    expect(phaseVerdict('presync', summaryOf([result('a', 'error', ''), result('b', 'failure', ''), result('c', 'success', '')]))).toEqual({ state: 'error', description: 'error: a · failed: b · 1 passed' });
    expect(phaseVerdict('presync', summaryOf([result('a', 'success', '')], { interrupted: 'terminated by SIGINT after 2 s' }))).toEqual({ state: 'error', description: 'terminated by SIGINT after 2 s' });
  });
});
