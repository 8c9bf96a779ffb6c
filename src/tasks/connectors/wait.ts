import { setTimeout as pause } from 'node:timers/promises';
import type { ConnectClient, ConnectorStatus } from '../../clients/connect.js';
import { STATUS_POLL_MS } from './config.js';
import { WORKER_STATE, type ConnectorState } from './model.js';

export type WaitOutcome = { ok: true; status: ConnectorStatus } | { ok: false; message: string; status?: ConnectorStatus };

/** How long a failure seen right after a restart is taken for the one being restarted. */
export const RESTART_GRACE_MS = 10_000;

/** Lines of a worker's stack trace shown in a failure; the rest is in the worker's log. */
const TRACE_LINES = 4;

function traceExcerpt(trace: string | undefined): string {
  if (!trace) return '';
  return trace.split('\n').slice(0, TRACE_LINES).map((line) => line.trim()).join(' | ');
}

/** Whether the status matches the declared state; a FAILED connector or task is reported as such. */
export function judgeStatus(status: ConnectorStatus, state: ConnectorState): { reached: boolean; failure?: string } {
  if (status.connector.state === 'FAILED') return { reached: false, failure: `the connector FAILED on ${status.connector.worker_id ?? 'its worker'}: ${traceExcerpt(status.connector.trace)}` };
  const failed = status.tasks.find((task) => task.state === 'FAILED');
  if (failed) return { reached: false, failure: `task ${failed.id} FAILED on ${failed.worker_id ?? 'its worker'}: ${traceExcerpt(failed.trace)}` };
  const want = WORKER_STATE[state];
  if (status.connector.state !== want) return { reached: false };
  // A stopped connector has no tasks (KIP-875); a running one has started at least one; one
  // paused as it was created never starts any.
  if (state === 'stopped') return { reached: status.tasks.length === 0 };
  if (state === 'paused') return { reached: status.tasks.every((task) => task.state === want) };
  return { reached: status.tasks.length > 0 && status.tasks.every((task) => task.state === want) };
}

export function describeStatus(status: ConnectorStatus | undefined): string {
  if (!status) return 'no status yet';
  const tasks = status.tasks.map((task) => `task ${task.id} ${task.state}`);
  return [`connector ${status.connector.state}`, ...(tasks.length > 0 ? tasks : ['no tasks'])].join(', ');
}

/**
 * Polls the connector's status until it and its tasks are in the declared state, a connector or
 * task FAILED, or `until` passes. The state must be seen twice in a row: right after a config
 * change the worker can still report the previous generation's tasks.
 */
export async function waitForState(client: ConnectClient, name: string, state: ConnectorState, until: number, signal: AbortSignal, options: { failuresCountFrom?: number } = {}): Promise<WaitOutcome> {
  let last: ConnectorStatus | undefined;
  let seen = 0;
  for (;;) {
    last = await client.status(name, { signal });
    if (last) {
      const judged = judgeStatus(last, state);
      // Right after a restart the worker can still report the failure it is restarting from.
      const countsAsFailure = judged.failure && Date.now() >= (options.failuresCountFrom ?? 0);
      if (judged.failure && (countsAsFailure || Date.now() + STATUS_POLL_MS > until)) return { ok: false, message: judged.failure, status: last };
      seen = judged.reached ? seen + 1 : 0;
      if (seen >= 2) return { ok: true, status: last };
    }
    if (Date.now() + STATUS_POLL_MS > until || signal.aborted) {
      return { ok: false, message: `did not reach ${WORKER_STATE[state]} in time (${describeStatus(last)})`, status: last };
    }
    await pause(STATUS_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}
