import type { ConnectClient, PluginInfo } from '../../clients/connect.js';
import type { Violation } from '../types.js';
import type { DesiredConnector } from './model.js';

/** Validation requests in flight per cluster: a worker validates synchronously on its REST threads. */
const VALIDATE_CONCURRENCY = 4;

/**
 * Asks each connector's worker to validate its new or changed config
 * (PUT /connector-plugins/{class}/config/validate) and turns every per-key error into a violation
 * naming the connector, the key and the worker's own message. A class the worker does not have is
 * one violation listing the connector plugins it has.
 */
export async function validateWithWorkers(connectors: readonly DesiredConnector[], client: (cluster: string) => ConnectClient, signal: AbortSignal): Promise<Violation[]> {
  const violations: Violation[] = [];
  const plugins = new Map<string, Promise<PluginInfo[]>>();
  const queue = [...connectors];
  const worker = async () => {
    for (let connector = queue.shift(); connector; connector = queue.shift()) {
      const connect = client(connector.cluster);
      if (!plugins.has(connector.cluster)) plugins.set(connector.cluster, connect.plugins({ signal }));
      const known = await plugins.get(connector.cluster)!;
      const resource = `connector ${connector.name} (${connector.cluster})`;
      if (!known.some((plugin) => matchesClass(plugin.class, connector.className))) {
        const names = known.map((plugin) => plugin.class).sort();
        violations.push({
          resource,
          file: connector.file,
          rule: 'unknown-class',
          message: `${connector.source}: class ${connector.className} is not a connector plugin of Connect cluster ${connector.cluster}; it has ${names.join(', ') || 'none'}. Fix the class or install the plugin on the workers.`,
        });
        continue;
      }
      const answer = await connect.validate(connector.className, connector.config, { signal });
      if (answer.error_count === 0) continue;
      for (const entry of answer.configs) {
        for (const error of entry.value.errors) {
          violations.push({ resource, file: connector.file, rule: 'connect-validation', message: `${connector.source}: config ${entry.value.name}: ${error} (Connect cluster ${connector.cluster} rejected it). Fix the value.` });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(VALIDATE_CONCURRENCY, connectors.length) }, worker));
  return violations.sort((a, b) => a.resource.localeCompare(b.resource) || a.message.localeCompare(b.message));
}

/** Connect resolves a class by its full name, its simple name, or the simple name without "Connector" (Plugins.pluginClass). */
function matchesClass(pluginClass: string, requested: string): boolean {
  const simple = pluginClass.slice(pluginClass.lastIndexOf('.') + 1);
  return requested === pluginClass || requested === simple || `${requested}Connector` === simple;
}
