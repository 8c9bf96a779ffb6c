import { ConfigError } from '../../errors.js';
import { defineCheckTask, type TaskOutcome, type Violation } from '../types.js';
import { ConnectHealthSection, type ConnectorsSection } from './config.js';
import { connectClient, connectClusterNames } from './clusters.js';
import { loadDesiredConnectors } from './load.js';
import { RESTART_GRACE_MS, describeStatus, judgeStatus, waitForState } from './wait.js';

const REPORT_MARGIN_MS = 1_500;

export const connectHealthTask = defineCheckTask({
  name: 'connect-health',
  phase: 'postsync',
  configKey: 'connect-health',
  configSchema: ConnectHealthSection,
  description: 'PostSync Kafka Connect health: every declared connector and its tasks in the declared state; optionally restart failed ones once.',

  async run(ctx, section): Promise<TaskOutcome> {
    const files = section.files ?? ctx.config.connectors?.files;
    if (!files) throw new ConfigError('connect-health needs connector declarations: set connect-health.files, or add the connectors section.');
    const { connectors } = loadDesiredConnectors(files, ctx.configDir, connectClusterNames(ctx, 'connect-health'), section.files ? 'connect-health.files' : 'connectors.files');
    const client = connectClient(ctx);
    const violations: Violation[] = [];
    const details: string[] = [];
    let restarted = 0;
    for (const connector of connectors) {
      const connect = client(connector.cluster);
      const resource = `connector ${connector.name} (${connector.cluster})`;
      let status = await connect.status(connector.name, { signal: ctx.signal });
      if (!status) {
        violations.push({ resource, message: `${resource} does not exist on the Connect cluster. Run presync (the connectors task) to create it.` });
        continue;
      }
      let failuresCountFrom = 0;
      if (section.restartFailed && judgeStatus(status, connector.state).failure) {
        await connect.restartFailed(connector.name, { signal: ctx.signal });
        restarted += 1;
        failuresCountFrom = Date.now() + RESTART_GRACE_MS;
      }
      const until = Math.min(Date.now() + section.waitFor, ctx.deadline.at - REPORT_MARGIN_MS);
      const outcome = await waitForState(connect, connector.name, connector.state, until, ctx.signal, { failuresCountFrom });
      status = outcome.status ?? status;
      details.push(`${resource}: ${describeStatus(status)}`);
      if (!outcome.ok) violations.push({ resource, rule: 'connector-state', message: `${resource}: ${outcome.message}. Check the worker's log${section.restartFailed ? '' : ', or set connect-health.restartFailed: true'}.` });
    }
    const healthy = connectors.length - violations.length;
    return {
      summary: `${healthy} of ${connectors.length} connectors in the declared state${restarted > 0 ? `, ${restarted} restarted` : ''}`,
      figures: { declared: connectors.length, healthy, restarted },
      violations,
      details,
    };
  },
});
