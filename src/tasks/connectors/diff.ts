import type { PlannedChange, Violation } from '../types.js';
import { declaredStateOf, type ConnectorState, type DesiredConnector } from './model.js';
import { configDiffLines } from './secrets.js';

/** A connector as the worker has it. */
export interface ActualConnector {
  config: Record<string, string>;
  /** Connector state from its status (RUNNING, PAUSED, STOPPED, FAILED, ...), when the worker reported one. */
  workerState?: string;
}

export interface ConnectorStep {
  cluster: string;
  name: string;
  /** PUT the config (create or update). */
  config?: Record<string, string>;
  /** The state to move to after the config, when it differs from the actual one. */
  stateChange?: ConnectorState;
  delete?: boolean;
  /** The state to wait for after apply; undefined for a deletion. */
  waitFor?: ConnectorState;
  source?: string;
}

export interface ConnectorPlanResult {
  changes: PlannedChange[];
  violations: Violation[];
  steps: ConnectorStep[];
  /** Connectors whose new or changed config the worker must validate before anything is applied. */
  toValidate: DesiredConnector[];
  figures: Record<string, number>;
}

export interface PlanOptions {
  managedPrefixes: readonly string[];
  deleteMode: 'forbid' | 'managed';
}

/**
 * Decides what to do per connector from the declarations and what each cluster has: create,
 * update (a key-by-key diff with secrets masked), a state change, or a deletion under the managed
 * prefix. Pure: no I/O.
 */
export function planConnectorChanges(desired: readonly DesiredConnector[], actual: ReadonlyMap<string, ReadonlyMap<string, ActualConnector>>, options: PlanOptions): ConnectorPlanResult {
  const result: ConnectorPlanResult = { changes: [], violations: [], steps: [], toValidate: [], figures: { declared: desired.length, create: 0, update: 0, state: 0, delete: 0 } };
  for (const connector of desired) {
    const current = actual.get(connector.cluster)?.get(connector.name);
    const resource = `connector ${connector.name} (${connector.cluster})`;
    if (!current) {
      result.changes.push({ action: 'create', resource, detail: `${connector.className}${connector.state === 'running' ? '' : `, then ${connector.state}`}`, lines: configDiffLines({}, connector.config) });
      result.steps.push({ cluster: connector.cluster, name: connector.name, config: connector.config, stateChange: connector.state === 'running' ? undefined : connector.state, waitFor: connector.state, source: connector.source });
      result.toValidate.push(connector);
      result.figures.create! += 1;
      continue;
    }
    const lines = configDiffLines(current.config, connector.config);
    const actualState = current.workerState === undefined ? undefined : declaredStateOf(current.workerState);
    const stateChange = actualState !== undefined && actualState !== connector.state ? connector.state : undefined;
    if (lines.length === 0 && stateChange === undefined) continue;
    const details: string[] = [];
    if (lines.length > 0) details.push(`${lines.length} config key${lines.length === 1 ? '' : 's'}`);
    if (stateChange) details.push(`state ${actualState} → ${stateChange}`);
    result.changes.push({ action: 'update', resource, detail: details.join(', '), lines });
    result.steps.push({ cluster: connector.cluster, name: connector.name, config: lines.length > 0 ? connector.config : undefined, stateChange, waitFor: connector.state, source: connector.source });
    if (lines.length > 0) {
      result.toValidate.push(connector);
      result.figures.update! += 1;
    }
    if (stateChange) result.figures.state! += 1;
  }
  const declared = new Set(desired.map((connector) => `${connector.cluster}/${connector.name}`));
  for (const [cluster, connectors] of actual) {
    for (const name of [...connectors.keys()].sort()) {
      if (declared.has(`${cluster}/${name}`)) continue;
      const prefix = options.managedPrefixes.find((candidate) => name.startsWith(candidate));
      if (prefix === undefined) continue;
      const resource = `connector ${name} (${cluster})`;
      if (options.deleteMode === 'managed') {
        result.changes.push({ action: 'delete', resource, detail: `no longer declared under managedPrefix ${prefix}` });
        result.steps.push({ cluster, name, delete: true });
        result.figures.delete! += 1;
      } else {
        result.violations.push({
          resource,
          rule: 'forbid-delete',
          message: `connector ${name} on Connect cluster ${cluster} is under managedPrefix ${prefix} but no longer declared, and connectors.delete is forbid. Declare it again, or set connectors.delete: managed to delete it.`,
        });
      }
    }
  }
  return result;
}
