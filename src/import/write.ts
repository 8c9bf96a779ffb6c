import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { AclBindingNames, TopicInventory } from '../clients/kafka/admin.js';
import type { SubjectInventory } from './read.js';

export type TopicFileFormat = 'synchook' | 'strimzi';

/** A file to write, relative to the output folder. */
export interface OutputFile {
  path: string;
  text: string;
}

const YAML_OPTIONS = { lineWidth: 0 } as const;

/** synchook's topic format: one `topics:` list, every config value a string (as Kafka holds it). */
export function synchookTopicsFile(topics: readonly TopicInventory[]): OutputFile {
  const entries = topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    ...(Object.keys(topic.config).length > 0 ? { config: sortedRecord(topic.config) } : {}),
  }));
  return { path: 'topics.yaml', text: `# Imported by synchook import: the topics with their non-default configs.\n${stringify({ topics: entries }, YAML_OPTIONS)}` };
}

/** Kubernetes object names: lowercase alphanumerics, "-" and ".", at most 253 characters (RFC 1123 subdomain). */
const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * A KafkaTopic's metadata.name: the topic name when Kubernetes accepts it; otherwise a lowercase
 * form with a short hash (two topics may differ only in case), and the real name in spec.topicName.
 */
function kafkaTopicResourceName(topic: string): string {
  if (topic.length <= 253 && KUBERNETES_NAME.test(topic)) return topic;
  const hash = createHash('sha256').update(topic).digest('hex').slice(0, 8);
  const base = topic.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, 240);
  return `${base || 'topic'}-${hash}`;
}

/** Strimzi KafkaTopic resources (kafka.strimzi.io/v1beta2), one document each. */
export function strimziTopicsFile(topics: readonly TopicInventory[], strimziCluster?: string): OutputFile {
  const documents = topics.map((topic) => {
    const name = kafkaTopicResourceName(topic.name);
    return stringify(
      {
        apiVersion: 'kafka.strimzi.io/v1beta2',
        kind: 'KafkaTopic',
        metadata: { name, ...(strimziCluster ? { labels: { 'strimzi.io/cluster': strimziCluster } } : {}) },
        spec: {
          ...(name !== topic.name ? { topicName: topic.name } : {}),
          partitions: topic.partitions,
          replicas: topic.replicationFactor,
          ...(Object.keys(topic.config).length > 0 ? { config: sortedRecord(topic.config) } : {}),
        },
      },
      YAML_OPTIONS,
    );
  });
  return { path: 'kafkatopics.yaml', text: `# Imported by synchook import: the topics with their non-default configs.\n${documents.join('---\n')}` };
}

/** The resource types and operations synchook's ACL files accept (src/tasks/acls/model.ts). */
const ACL_RESOURCE_TYPES = new Set(['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID']);

/** Explicit ACLs, the operations of one principal on one resource pattern in one entry. */
export function aclsFile(bindings: readonly AclBindingNames[]): { file: OutputFile; skipped: AclBindingNames[] } {
  const skipped = bindings.filter((binding) => !ACL_RESOURCE_TYPES.has(binding.resourceType));
  const grouped = new Map<string, { binding: AclBindingNames; operations: string[] }>();
  for (const binding of bindings.filter((candidate) => ACL_RESOURCE_TYPES.has(candidate.resourceType))) {
    const key = [binding.principal, binding.host, binding.resourceType, binding.patternType, binding.resourceName, binding.permission].join('\u0000');
    const group = grouped.get(key) ?? { binding, operations: [] };
    group.operations.push(binding.operation);
    grouped.set(key, group);
  }
  const entries = [...grouped.values()]
    .sort((a, b) => a.binding.principal.localeCompare(b.binding.principal) || a.binding.resourceType.localeCompare(b.binding.resourceType) || a.binding.resourceName.localeCompare(b.binding.resourceName))
    .map(({ binding, operations }) => ({
      principal: binding.principal,
      ...(binding.host !== '*' ? { host: binding.host } : {}),
      resourceType: binding.resourceType,
      ...(binding.resourceType !== 'CLUSTER' ? { resourceName: binding.resourceName } : {}),
      ...(binding.patternType !== 'LITERAL' ? { patternType: binding.patternType } : {}),
      operations: [...new Set(operations)].sort(),
      ...(binding.permission !== 'ALLOW' ? { permission: binding.permission } : {}),
    }));
  return { file: { path: 'acls.yaml', text: `# Imported by synchook import.\n${stringify({ acls: entries }, YAML_OPTIONS)}` }, skipped };
}

const EXTENSIONS: Record<string, string> = { AVRO: 'avsc', JSON: 'json', PROTOBUF: 'proto' };

/**
 * The subjects file and one schema file per subject, under schemas/. The schema is written as the
 * registry holds it; references keep the version they point at, so nothing resolves differently.
 */
export function subjectFiles(subjects: readonly SubjectInventory[]): OutputFile[] {
  const used = new Set<string>();
  const files: OutputFile[] = [];
  const entries = subjects.map((subject) => {
    const type = subject.schemaType || 'AVRO';
    const stem = subject.subject.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
    let path = `schemas/${stem}.${EXTENSIONS[type] ?? 'txt'}`;
    for (let n = 2; used.has(path.toLowerCase()); n += 1) path = `schemas/${stem}-${n}.${EXTENSIONS[type] ?? 'txt'}`;
    used.add(path.toLowerCase());
    files.push({ path, text: subject.schema });
    return {
      subject: subject.subject,
      file: path,
      type,
      ...(subject.compatibility ? { compatibility: subject.compatibility } : {}),
      ...(subject.references.length > 0 ? { references: subject.references.map((reference) => ({ name: reference.name, subject: reference.subject, version: reference.version })) } : {}),
    };
  });
  return [{ path: 'subjects.yaml', text: `# Imported by synchook import: the latest version of each subject.\n${stringify({ subjects: entries }, YAML_OPTIONS)}` }, ...files];
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
