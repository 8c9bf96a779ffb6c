export type ConnectorState = 'running' | 'paused' | 'stopped';

/** One connector as declared, with its full config as the worker stores it (strings). */
export interface DesiredConnector {
  name: string;
  /** Name of the Connect cluster (connect[].name) it runs on. */
  cluster: string;
  className: string;
  state: ConnectorState;
  /** The config PUT to the worker: the declared keys plus name, connector.class and tasks.max. */
  config: Record<string, string>;
  /** "connectors/orders.yaml:4:5" */
  source: string;
  file: string;
  format: 'synchook' | 'strimzi';
}

/** The state a connector's status reports, mapped to what can be declared. */
export function declaredStateOf(workerState: string): ConnectorState {
  if (workerState === 'PAUSED') return 'paused';
  if (workerState === 'STOPPED') return 'stopped';
  return 'running';
}

export const WORKER_STATE: Record<ConnectorState, string> = { running: 'RUNNING', paused: 'PAUSED', stopped: 'STOPPED' };
