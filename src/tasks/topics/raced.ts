import { sameConfigValue } from '../shared/topic-declarations/config-values.js';
import type { TopicCreation } from './diff.js';
import type { ActualConfigEntry } from './model.js';

export interface TopicAsFound {
  partitions: number;
  replicationFactor: number;
  config: ReadonlyMap<string, ActualConfigEntry>;
}

/**
 * How a topic someone else created between plan and apply differs from its declaration: the
 * declared partitions, replication factor and config keys, and keys set on it that are not
 * declared. Empty when it is exactly what synchook would have created.
 */
export function differencesFromDeclaration(creation: TopicCreation, found: TopicAsFound): string[] {
  const out: string[] = [];
  if (creation.partitions !== undefined && found.partitions !== creation.partitions) out.push(`partitions ${found.partitions} (declared ${creation.partitions})`);
  if (creation.replicationFactor !== undefined && found.replicationFactor !== creation.replicationFactor) out.push(`replication factor ${found.replicationFactor} (declared ${creation.replicationFactor})`);
  for (const [key, value] of Object.entries(creation.config).sort(([a], [b]) => a.localeCompare(b))) {
    const entry = found.config.get(key);
    if (entry?.own && sameConfigValue(entry.value, value)) continue;
    out.push(`${key}=${entry?.own ? (entry.value ?? '(hidden)') : '(default)'} (declared ${value})`);
  }
  for (const [key, entry] of [...found.config].sort(([a], [b]) => a.localeCompare(b))) {
    if (entry.own && !(key in creation.config)) out.push(`${key}=${entry.value ?? '(hidden)'} (not declared)`);
  }
  return out;
}
