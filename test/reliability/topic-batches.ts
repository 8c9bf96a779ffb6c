/**
 * Many topics with two generations of config, for the interruption tests: a topic is "old" or
 * "new" only when every key of its own config matches one generation; anything else is a
 * partially applied config.
 */
import type { TopicSnapshot } from './support.js';

export const OLD_CONFIG = { 'retention.ms': '3600000', 'segment.bytes': '10485760', 'max.message.bytes': '1000000' } as const;
export const NEW_CONFIG = { 'retention.ms': '7200000', 'segment.bytes': '20971520', 'max.message.bytes': '2000000' } as const;

export function topicNames(prefix: string, group: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}.${group}${String(index).padStart(4, '0')}`);
}

/** A synchook topic file declaring the topics with the given config. */
export function topicFile(names: readonly string[], config: Readonly<Record<string, string>>, partitions = 1): string {
  const lines = ['topics:'];
  for (const name of names) {
    lines.push(`  - name: ${name}`, `    partitions: ${partitions}`, '    config:');
    for (const [key, value] of Object.entries(config)) lines.push(`      ${key}: "${value}"`);
  }
  return `${lines.join('\n')}\n`;
}

export type Generation = 'old' | 'new' | 'partial';

export function generationOf(own: Readonly<Record<string, string>>): Generation {
  const matches = (config: Readonly<Record<string, string>>) => Object.keys(own).length === Object.keys(config).length && Object.entries(config).every(([key, value]) => own[key] === value);
  if (matches(OLD_CONFIG)) return 'old';
  if (matches(NEW_CONFIG)) return 'new';
  return 'partial';
}

/** How many topics are at each generation; names of partial ones, for the failure message. */
export function countGenerations(topics: ReadonlyMap<string, TopicSnapshot>, names: readonly string[]): { old: number; new: number; partial: string[]; missing: string[] } {
  const out = { old: 0, new: 0, partial: [] as string[], missing: [] as string[] };
  for (const name of names) {
    const topic = topics.get(name);
    if (!topic) {
      out.missing.push(name);
      continue;
    }
    const generation = generationOf(topic.own);
    if (generation === 'partial') out.partial.push(`${name} ${JSON.stringify(topic.own)}`);
    else out[generation] += 1;
  }
  return out;
}
