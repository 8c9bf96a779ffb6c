import { loadAsyncApiDeclarations, type AsyncApiTopic } from '../../asyncapi/index.js';
import { ConfigError } from '../../errors.js';
import type { PlannedChange, Violation } from '../types.js';
import type { TopicsSection } from './config.js';
import { normalizeConfigValue, sameConfigValue } from '../shared/topic-declarations/config-values.js';
import { loadDesiredTopics, normalizeDefaults, type Defaults } from '../shared/topic-declarations/load.js';
import type { DesiredTopic, DesiredTopics } from '../shared/topic-declarations/model.js';

/**
 * The topics of the section's files and of the config's AsyncAPI documents. A topic declared in
 * both is one topic when they agree (each side may set what the other leaves out); a setting
 * that differs is a violation naming both places.
 */
export async function loadTopicDeclarations(
  section: Pick<TopicsSection, 'files' | 'defaults'>,
  config: { asyncapi?: unknown },
  configDir: string,
): Promise<{ desired: DesiredTopics; violations: Violation[]; fromAsyncApi: Map<string, string> }> {
  const pending = loadAsyncApiDeclarations(config, configDir);
  if (!section.files && !pending) throw new ConfigError('topics.files: list the topic files (topics/*.yaml), or declare asyncapi.documents, so the topics task has topics to manage.');
  const desired = loadDesiredTopics(section, configDir);
  const violations: Violation[] = [];
  const fromAsyncApi = new Map<string, string>();
  if (!pending) return { desired, violations, fromAsyncApi };
  const declarations = await pending;
  desired.warnings.push(...declarations.warnings);
  desired.files.push(...declarations.documents);
  const byName = new Map(desired.topics.map((topic) => [topic.name, topic]));
  // loadDesiredTopics has already refused a bad default with its own message.
  const defaults = normalizeDefaults(section.defaults, () => 'topics.defaults');
  for (const declared of declarations.topics) {
    const topic = toDesiredTopic(declared, defaults);
    fromAsyncApi.set(topic.name, declared.source);
    const inFile = byName.get(topic.name);
    if (!inFile) {
      desired.topics.push(topic);
      byName.set(topic.name, topic);
      continue;
    }
    violations.push(...conflicts(inFile, declared, topic));
    inFile.partitions ??= topic.partitions;
    inFile.replicationFactor ??= topic.replicationFactor;
    for (const [key, value] of Object.entries(topic.config)) if (!(key in inFile.config)) inFile.config[key] = value;
  }
  return { desired, violations, fromAsyncApi };
}

/** Adds "from <document> <JSON path>" under each change of a topic an AsyncAPI document declares. */
export function showAsyncApiSources(changes: PlannedChange[], fromAsyncApi: ReadonlyMap<string, string>): void {
  for (const change of changes) {
    const source = fromAsyncApi.get(change.resource.replace(/^topic /, ''));
    if (source && change.resource.startsWith('topic ') && change.action !== 'delete') change.lines = [...(change.lines ?? []), `from ${source}`];
  }
}

function conflicts(inFile: DesiredTopic, declared: AsyncApiTopic, topic: DesiredTopic): Violation[] {
  const out: Violation[] = [];
  const differ = (what: string, fileValue: unknown, fileAt: string, asyncValue: unknown, asyncAt: string) => {
    out.push({
      resource: `topic ${topic.name}`,
      rule: 'asyncapi-conflict',
      message: `${what} is ${String(fileValue)} at ${fileAt} but ${String(asyncValue)} at ${asyncAt}. Declare the topic in one place, or make both say the same.`,
      file: inFile.file,
    });
  };
  if (declared.partitions !== undefined && inFile.partitions !== undefined && declared.partitions !== inFile.partitions) {
    differ('partitions', inFile.partitions, inFile.fieldSources?.partitions ?? inFile.source, declared.partitions, declared.fieldSources.partitions!);
  }
  if (declared.replicationFactor !== undefined && inFile.replicationFactor !== undefined && declared.replicationFactor !== inFile.replicationFactor) {
    differ('the replication factor', inFile.replicationFactor, inFile.fieldSources?.replicationFactor ?? inFile.source, declared.replicationFactor, declared.fieldSources.replicationFactor!);
  }
  for (const key of Object.keys(declared.config)) {
    const fileValue = inFile.config[key];
    if (fileValue !== undefined && !sameConfigValue(fileValue, topic.config[key])) {
      differ(key, fileValue, inFile.fieldSources?.config?.[key] ?? inFile.source, topic.config[key], declared.fieldSources.config[key]!);
    }
  }
  return out;
}

function toDesiredTopic(declared: AsyncApiTopic, defaults: Defaults): DesiredTopic {
  const config: Record<string, string> = { ...defaults.config };
  for (const [key, raw] of Object.entries(declared.config)) {
    const normalized = normalizeConfigValue(raw);
    if ('problem' in normalized) throw new ConfigError(`${declared.fieldSources.config[key]}: topic ${declared.name}: config ${key} ${normalized.problem}.`);
    config[key] = normalized.value;
  }
  return {
    name: declared.name,
    partitions: declared.partitions ?? defaults.partitions,
    replicationFactor: declared.replicationFactor ?? defaults.replicationFactor,
    config,
    source: declared.source,
    fieldSources: declared.fieldSources,
    file: declared.source.split(' $')[0]!,
    format: 'asyncapi',
  };
}
