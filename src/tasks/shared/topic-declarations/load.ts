import { z } from 'zod';
import { formatPath, parseYamlDocuments, refuseInterpolation, type ParsedYaml } from '../../../config/yaml.js';
import { ConfigError } from '../../../errors.js';
import { Partitions, ReplicationFactor, TopicConfigMap, TopicDefaults, type TopicDeclarationSource } from './schema.js';
import { normalizeConfigValue } from './config-values.js';
import { isMapping, parseDocumentPart } from '../documents.js';
import { expandFilePatterns, readInputFile, type InputFile } from '../files.js';
import { withLazySource, type DesiredTopic, type DesiredTopics, type TopicFormat } from './model.js';
import { isKafkaTopicDocument, isKubernetesDocument, parseKafkaTopic } from './strimzi.js';

const TopicEntry = z.strictObject({
  name: z.string({ error: 'expected the topic name as a string (quote a name that looks like a number)' }),
  partitions: Partitions.optional(),
  replicationFactor: ReplicationFactor.optional(),
  config: TopicConfigMap.optional(),
});

const TopicFile = z.strictObject({
  defaults: TopicDefaults.optional(),
  topics: z.array(TopicEntry, { error: 'expected a list of topics' }),
});

export interface Defaults {
  partitions?: number;
  replicationFactor?: number;
  config: Record<string, string>;
}

/**
 * Reads every topic declaration the section names: synchook topic files and Strimzi KafkaTopic
 * resources, mixed freely (multi-document YAML). Applies the defaults (section, then file, then
 * the topic's own values) and turns config values into Kafka's string form. Malformed files and
 * a topic declared twice are ConfigErrors naming file, line and field. No network.
 */
export function loadDesiredTopics(section: TopicDeclarationSource, configDir: string): DesiredTopics {
  const files = expandFilePatterns(section.files ?? [], configDir, 'topics.files');
  const sectionDefaults = normalizeDefaults(section.defaults, (path, problem) => `topics.defaults.${formatPath(path)} ${problem}.`);
  const out: DesiredTopics = { topics: [], unmanaged: [], files: files.map((file) => file.shown), warnings: [] };
  // Positions are located only for an error: see withLazySource.
  const declaredAt = new Map<string, () => string>();
  const remember = (name: string, source: () => string) => {
    const earlier = declaredAt.get(name);
    if (earlier !== undefined) {
      throw new ConfigError(`topic ${name} is declared twice: at ${earlier()} and at ${source()}. Keep one declaration.`);
    }
    declaredAt.set(name, source);
  };
  for (const file of files) {
    for (const doc of readDocuments(file)) {
      const value = doc.value;
      if (!isMapping(value)) {
        throw new ConfigError(`${doc.locate([])}: expected a mapping with a "topics:" list, or a Strimzi KafkaTopic resource.`);
      }
      if (isKubernetesDocument(value)) {
        if (!isKafkaTopicDocument(value)) continue;
        refuseInterpolation(doc);
        const topic = parseKafkaTopic(doc, value);
        const source = () => doc.locate([]);
        remember(topic.name, source);
        if (!topic.managed) {
          out.unmanaged.push({ name: topic.name, source: source() });
          out.warnings.push(`topic ${topic.name} (${source()}): the KafkaTopic is annotated strimzi.io/managed: "false"; synchook leaves the topic alone.`);
          continue;
        }
        const desired = buildTopic({ name: topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor, config: topic.config }, sectionDefaults, { doc, path: ['spec'], source, format: topic.format });
        let fieldSources: DesiredTopic['fieldSources'];
        out.topics.push(Object.defineProperty(desired, 'fieldSources', { enumerable: true, get: () => (fieldSources ??= strimziFieldSources(doc, topic)) }));
        continue;
      }
      if (!('topics' in value)) {
        throw new ConfigError(`${doc.locate([])}: expected a "topics:" list (synchook format) or a Strimzi KafkaTopic resource (apiVersion, kind, metadata, spec).`);
      }
      refuseInterpolation(doc);
      const parsed = parseDocumentPart(TopicFile, doc, value);
      const fileDefaults = mergeDefaults(sectionDefaults, normalizeDefaults(parsed.defaults, (path, problem) => `${doc.locate(['defaults', ...path])}: defaults.${formatPath(path)} ${problem}.`));
      parsed.topics.forEach((entry, index) => {
        const source = () => doc.locate(['topics', index]);
        remember(entry.name, source);
        out.topics.push(buildTopic(entry, fileDefaults, { doc, path: ['topics', index], source, format: 'synchook' }));
      });
    }
  }
  return out;
}

/** "topics/orders.yaml:9:15 spec.partitions" for each field the resource sets. */
function strimziFieldSources(doc: ParsedYaml, topic: { partitions?: number; replicationFactor?: number; config: Record<string, unknown> }): DesiredTopic['fieldSources'] {
  const at = (path: string[]) => `${doc.locate(path)} ${formatPath(path)}`;
  const config: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(topic.config)) config[key] = at(['spec', 'config', key]);
  return {
    ...(topic.partitions !== undefined ? { partitions: at(['spec', 'partitions']) } : {}),
    ...(topic.replicationFactor !== undefined ? { replicationFactor: at(['spec', 'replicas']) } : {}),
    config,
  };
}

function readDocuments(file: InputFile): ParsedYaml[] {
  return parseYamlDocuments(file.shown, readInputFile(file));
}

function buildTopic(
  entry: { name: string; partitions?: number; replicationFactor?: number; config?: Record<string, unknown> },
  defaults: Defaults,
  where: { doc: ParsedYaml; path: PropertyKey[]; source: () => string; format: TopicFormat },
): DesiredTopic {
  const config: Record<string, string> = { ...defaults.config };
  for (const [key, raw] of Object.entries(entry.config ?? {})) {
    const normalized = normalizeConfigValue(raw);
    if ('problem' in normalized) {
      const path = [...where.path, 'config', key];
      throw new ConfigError(`${where.doc.locate(path)}: topic ${entry.name}: config ${key} ${normalized.problem}.`);
    }
    config[key] = normalized.value;
  }
  return withLazySource(
    {
      name: entry.name,
      partitions: entry.partitions ?? defaults.partitions,
      replicationFactor: entry.replicationFactor ?? defaults.replicationFactor,
      config,
      file: where.doc.file,
      format: where.format,
    },
    where.source,
  );
}

export function normalizeDefaults(defaults: z.output<typeof TopicDefaults> | undefined, describe: (path: PropertyKey[], problem: string) => string): Defaults {
  const config: Record<string, string> = {};
  for (const [key, raw] of Object.entries(defaults?.config ?? {})) {
    const normalized = normalizeConfigValue(raw);
    if ('problem' in normalized) throw new ConfigError(describe(['config', key], normalized.problem));
    config[key] = normalized.value;
  }
  return { partitions: defaults?.partitions, replicationFactor: defaults?.replicationFactor, config };
}

function mergeDefaults(outer: Defaults, inner: Defaults): Defaults {
  return {
    partitions: inner.partitions ?? outer.partitions,
    replicationFactor: inner.replicationFactor ?? outer.replicationFactor,
    config: { ...outer.config, ...inner.config },
  };
}
