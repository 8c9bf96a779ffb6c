import type { ConnectClient } from '../../clients/connect.js';
import type { Violation } from '../types.js';
import type { ConnectorStep } from './diff.js';
import { waitForState } from './wait.js';

/** Connectors applied at once; each waits for its own state. */
const APPLY_CONCURRENCY = 4;

export interface ApplyResult {
  applied: number;
  deleted: number;
  failures: Violation[];
}

/**
 * Applies each step: PUT the config, move the state (pause / resume / stop), then wait until the
 * connector and its tasks are in the declared state. A connector that fails is reported and the
 * others go on: they are independent, and a half-finished connector is visible in the report.
 */
export async function applyConnectorSteps(steps: readonly ConnectorStep[], input: { client: (cluster: string) => ConnectClient; waitForMs: number; deadlineAt: number; signal: AbortSignal }): Promise<ApplyResult> {
  const result: ApplyResult = { applied: 0, deleted: 0, failures: [] };
  const queue = [...steps];
  const worker = async () => {
    for (let step = queue.shift(); step; step = queue.shift()) {
      const client = input.client(step.cluster);
      const resource = `connector ${step.name} (${step.cluster})`;
      const signal = input.signal;
      if (step.delete) {
        await client.deleteConnector(step.name, { signal });
        result.deleted += 1;
        continue;
      }
      if (step.config) await client.putConnectorConfig(step.name, step.config, { signal });
      if (step.stateChange === 'paused') await client.pause(step.name, { signal });
      else if (step.stateChange === 'stopped') await client.stop(step.name, { signal });
      else if (step.stateChange === 'running') await client.resume(step.name, { signal });
      const until = Math.min(Date.now() + input.waitForMs, input.deadlineAt);
      const outcome = await waitForState(client, step.name, step.waitFor!, until, signal);
      if (outcome.ok) {
        result.applied += 1;
      } else {
        result.failures.push({ resource, rule: 'connector-state', message: `${resource}: ${outcome.message}. Check the worker's log, fix the config and run again.` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(APPLY_CONCURRENCY, steps.length) }, worker));
  result.failures.sort((a, b) => a.resource.localeCompare(b.resource));
  return result;
}
