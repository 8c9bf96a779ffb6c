import { z } from 'zod';
import { parseYamlDocuments, type ParsedYaml } from '../../config/yaml.js';
import { ConfigError } from '../../errors.js';
import { isMapping, parseDocumentPart } from '../shared/documents.js';
import { expandFilePatterns, readInputFile } from '../shared/files.js';
import type { ConnectorState, DesiredConnector } from './model.js';

const ConnectorName = z
  .string({ error: 'expected the connector name as a string' })
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, { message: 'a connector name uses letters, digits, ".", "_" or "-"' });
const ConfigValue = z.union([z.string(), z.number(), z.boolean()], { error: 'a config value is a string, a number or a boolean' });
const ConfigMap = z.record(z.string(), ConfigValue);
const State = z.enum(['running', 'paused', 'stopped']);
/** Keys synchook sets itself from the declaration's own fields. */
const RESERVED_KEYS: Record<string, string> = { name: 'name', 'connector.class': 'class', 'tasks.max': 'tasksMax' };

const ConnectorEntry = z.strictObject({
  name: ConnectorName,
  cluster: z.string().min(1).optional(),
  class: z.string().min(1),
  tasksMax: z.int().min(1).optional(),
  state: State.default('running'),
  config: ConfigMap.default({}),
});
const ConnectorFile = z.strictObject({ connectors: z.array(ConnectorEntry, { error: 'expected a list of connectors' }) });

const STRIMZI_API_VERSIONS = new Set(['kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v1']);
const KafkaConnector = z.object({
  apiVersion: z.string(),
  kind: z.literal('KafkaConnector'),
  metadata: z.object({ name: ConnectorName, labels: z.record(z.string(), z.string()).optional() }),
  spec: z.object({
    class: z.string().min(1),
    tasksMax: z.int().min(1).optional(),
    config: ConfigMap.optional(),
    state: State.optional(),
    /** v1beta2 only, deprecated by spec.state. */
    pause: z.boolean().optional(),
  }),
});

/** Strimzi names the KafkaConnect cluster a KafkaConnector belongs to with this label. */
const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

export interface LoadedConnectors {
  connectors: DesiredConnector[];
  files: string[];
}

/**
 * Reads every connector declaration the files name: synchook connector files and Strimzi
 * KafkaConnector resources, mixed freely. Config values are kept as written: `${file:...}` and
 * `${env:...}` are the worker's config provider references and pass through unresolved.
 */
export function loadDesiredConnectors(files: readonly string[], configDir: string, clusters: readonly string[], field = 'connectors.files'): LoadedConnectors {
  const inputs = expandFilePatterns(files, configDir, field);
  const connectors: DesiredConnector[] = [];
  const declaredAt = new Map<string, string>();
  const pickCluster = (requested: string | undefined, source: string, how: string): string => {
    if (requested !== undefined) {
      if (!clusters.includes(requested)) {
        throw new ConfigError(`${source}: ${how} names Connect cluster "${requested}", which the config's connect list does not have (it has ${clusters.join(', ') || 'none'}). Add it to connect or fix the name.`);
      }
      return requested;
    }
    if (clusters.length === 1) return clusters[0]!;
    throw new ConfigError(`${source}: the config names ${clusters.length} Connect clusters; say which one runs this connector (${how}).`);
  };
  const add = (connector: DesiredConnector) => {
    const key = `${connector.cluster}/${connector.name}`;
    const earlier = declaredAt.get(key);
    if (earlier) throw new ConfigError(`connector ${connector.name} is declared twice: at ${earlier} and at ${connector.source}. Keep one declaration.`);
    declaredAt.set(key, connector.source);
    connectors.push(connector);
  };
  for (const file of inputs) {
    for (const doc of parseYamlDocuments(file.shown, readInputFile(file))) {
      const value = doc.value;
      if (!isMapping(value)) throw new ConfigError(`${doc.locate([])}: expected a mapping with a "connectors:" list, or a Strimzi KafkaConnector resource.`);
      if ('apiVersion' in value && 'kind' in value) {
        if (value.kind !== 'KafkaConnector') continue;
        if (!STRIMZI_API_VERSIONS.has(String(value.apiVersion))) {
          throw new ConfigError(`${doc.locate(['apiVersion'])}: KafkaConnector apiVersion ${String(value.apiVersion)} is not one synchook reads; use kafka.strimzi.io/v1beta2 or kafka.strimzi.io/v1.`);
        }
        const resource = parseDocumentPart(KafkaConnector, doc, value);
        const source = doc.locate([]);
        if (resource.spec.pause !== undefined && resource.apiVersion !== 'kafka.strimzi.io/v1beta2') {
          throw new ConfigError(`${doc.locate(['spec', 'pause'])}: spec.pause exists only in kafka.strimzi.io/v1beta2; use spec.state: paused.`);
        }
        const state: ConnectorState = resource.spec.state ?? (resource.spec.pause ? 'paused' : 'running');
        const cluster = pickCluster(resource.metadata.labels?.[STRIMZI_CLUSTER_LABEL], source, `metadata.labels["${STRIMZI_CLUSTER_LABEL}"]`);
        add(build(doc, ['spec'], { name: resource.metadata.name, cluster, className: resource.spec.class, tasksMax: resource.spec.tasksMax, state, config: resource.spec.config ?? {}, source, format: 'strimzi' }));
        continue;
      }
      if (!('connectors' in value)) throw new ConfigError(`${doc.locate([])}: expected a "connectors:" list (synchook format) or a Strimzi KafkaConnector resource (apiVersion, kind, metadata, spec).`);
      const parsed = parseDocumentPart(ConnectorFile, doc, value);
      parsed.connectors.forEach((entry, index) => {
        const source = doc.locate(['connectors', index]);
        const cluster = pickCluster(entry.cluster, source, 'cluster');
        add(build(doc, ['connectors', index], { name: entry.name, cluster, className: entry.class, tasksMax: entry.tasksMax, state: entry.state, config: entry.config, source, format: 'synchook' }));
      });
    }
  }
  return { connectors, files: inputs.map((file) => file.shown) };
}

function build(
  doc: ParsedYaml,
  path: PropertyKey[],
  entry: { name: string; cluster: string; className: string; tasksMax?: number; state: ConnectorState; config: Record<string, string | number | boolean>; source: string; format: DesiredConnector['format'] },
): DesiredConnector {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry.config)) {
    if (key in RESERVED_KEYS) {
      throw new ConfigError(`${doc.locate([...path, 'config', key], { key: true })}: connector ${entry.name}: set ${key} with the ${RESERVED_KEYS[key]} field, not in config.`);
    }
    config[key] = String(value);
  }
  config['connector.class'] = entry.className;
  if (entry.tasksMax !== undefined) config['tasks.max'] = String(entry.tasksMax);
  config.name = entry.name;
  return { name: entry.name, cluster: entry.cluster, className: entry.className, state: entry.state, config, source: entry.source, file: doc.file, format: entry.format };
}
