import { definePlanApplyTask, type TaskOutcome, type ValidationReport } from '../types.js';
import { applyConnectorSteps } from './apply.js';
import { connectClient, connectClusterNames } from './clusters.js';
import { ConnectorsSection } from './config.js';
import { planConnectorChanges, type ActualConnector, type ConnectorStep } from './diff.js';
import { loadDesiredConnectors } from './load.js';
import { validateWithWorkers } from './validate.js';

export { connectHealthTask } from './health.js';

/** Time kept back from the waits so the task reports before its deadline. */
const REPORT_MARGIN_MS = 1_500;

interface ConnectorPlanState {
  steps: ConnectorStep[];
}

/** The stop endpoint came with KIP-875 in Kafka 3.5. */
function supportsStop(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major > 3 || (major === 3 && minor >= 5);
}

export const connectorsTask = definePlanApplyTask<typeof ConnectorsSection, ConnectorPlanState>({
  name: 'connectors',
  phase: 'presync',
  configKey: 'connectors',
  configSchema: ConnectorsSection,
  description: 'Kafka Connect connectors declared in files (synchook format or Strimzi KafkaConnector): validated by the worker, created, updated, paused, resumed, stopped, deleted under the managed prefix.',

  async validate(ctx, section): Promise<ValidationReport> {
    const loaded = loadDesiredConnectors(section.files, ctx.configDir, connectClusterNames(ctx, 'connectors'));
    return { checked: [`connectors: ${loaded.connectors.length} connectors in ${loaded.files.length} files`], violations: [], warnings: [] };
  },

  async plan(ctx, section) {
    const clusters = connectClusterNames(ctx, 'connectors');
    const desired = loadDesiredConnectors(section.files, ctx.configDir, clusters);
    const client = connectClient(ctx);
    const actual = new Map<string, Map<string, ActualConnector>>();
    await Promise.all(
      clusters.map(async (cluster) => {
        const connectors = await client(cluster).connectors({ signal: ctx.signal });
        actual.set(cluster, new Map([...connectors].map(([name, entry]) => [name, { config: entry.config, workerState: entry.status?.connector.state }])));
      }),
    );
    const result = planConnectorChanges(desired.connectors, actual, { managedPrefixes: section.managedPrefix ?? [], deleteMode: section.delete });
    result.violations.push(...(await validateWithWorkers(result.toValidate, client, ctx.signal)));
    for (const cluster of new Set(result.steps.filter((step) => step.stateChange === 'stopped').map((step) => step.cluster))) {
      const { version } = await client(cluster).serverInfo({ signal: ctx.signal });
      if (!supportsStop(version)) {
        result.violations.push({ resource: `Connect cluster ${cluster}`, rule: 'stop-unsupported', message: `Connect cluster ${cluster} runs Kafka ${version}, which cannot stop a connector (PUT /connectors/{name}/stop came with Kafka 3.5). Declare state: paused, or upgrade the workers.` });
      }
    }
    return { task: 'connectors', changes: result.changes, violations: result.violations, warnings: [], figures: result.figures, state: { steps: result.steps } };
  },

  async apply(ctx, section, plan): Promise<TaskOutcome> {
    const steps = plan.state?.steps ?? [];
    const declared = plan.figures?.declared ?? 0;
    if (steps.length === 0) return { summary: `no changes (${declared} connector${declared === 1 ? '' : 's'} declared)`, figures: { declared }, changes: [] };
    const result = await applyConnectorSteps(steps, { client: connectClient(ctx), waitForMs: section.waitFor, deadlineAt: ctx.deadline.at - REPORT_MARGIN_MS, signal: ctx.signal });
    const parts = [`${result.applied} connector${result.applied === 1 ? '' : 's'} in the declared state`];
    if (result.deleted > 0) parts.push(`${result.deleted} deleted`);
    if (result.failures.length > 0) parts.push(`${result.failures.length} failed`);
    return { summary: parts.join(', '), figures: { declared, applied: result.applied, deleted: result.deleted, failed: result.failures.length }, changes: plan.changes, violations: result.failures };
  },
});
