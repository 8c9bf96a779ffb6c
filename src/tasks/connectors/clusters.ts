import type { ConnectClient } from '../../clients/connect.js';
import { ConfigError } from '../../errors.js';
import type { TaskContext } from '../types.js';

/** Names of the configured Connect clusters; the connectors tasks need at least one. */
export function connectClusterNames(ctx: Pick<TaskContext, 'config'>, task: string): string[] {
  const clusters = ctx.config.connect as { name: string }[] | undefined;
  if (!clusters || clusters.length === 0) throw new ConfigError(`the ${task} task needs Kafka Connect, but the config has no connect section. Add connect: [{ name, url }].`);
  return clusters.map((cluster) => cluster.name);
}

export function connectClient(ctx: Pick<TaskContext, 'clients'>): (cluster: string) => ConnectClient {
  return (cluster) => {
    if (!ctx.clients.connect) throw new ConfigError('this run has no Kafka Connect client; add the connect section.');
    return ctx.clients.connect(cluster);
  };
}
