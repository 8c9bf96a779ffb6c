import type { AsyncApiSection } from '../config/asyncapi.js';
import { ConfigError } from '../errors.js';
import type { AsyncApiDeclarations, AsyncApiSubject, AsyncApiTopic } from './model.js';

export type { AsyncApiDeclarations, AsyncApiTopic } from './model.js';

// The topics, schemas and acls tasks each ask for the declarations; the documents are parsed once
// per config and section.
const loaded = new Map<string, Promise<AsyncApiDeclarations>>();

/**
 * The topics, subjects and application ACLs the config's AsyncAPI documents declare; undefined
 * when the config has no `asyncapi` section (the parser is then never loaded). A channel declared
 * by two documents (the producer's and the consumer's) is one topic when they agree.
 */
export function loadAsyncApiDeclarations(config: { asyncapi?: unknown }, configDir: string): Promise<AsyncApiDeclarations> | undefined {
  const section = config.asyncapi as AsyncApiSection | undefined;
  if (!section) return undefined;
  const key = `${configDir}\u0000${JSON.stringify(section)}`;
  let promise = loaded.get(key);
  if (!promise) {
    promise = readAll(section, configDir);
    loaded.set(key, promise);
    promise.catch(() => loaded.delete(key));
  }
  return promise;
}

async function readAll(section: AsyncApiSection, configDir: string): Promise<AsyncApiDeclarations> {
  const { parseAsyncApiDocument } = await import('./document.js');
  const { mapAsyncApiDocument } = await import('./map.js');
  const out: AsyncApiDeclarations = { topics: [], subjects: [], applications: [], documents: [], warnings: [] };
  const topics = new Map<string, AsyncApiTopic>();
  const subjects = new Map<string, AsyncApiSubject>();
  for (const [index, entry] of section.documents.entries()) {
    const field = `asyncapi.documents[${index}]`;
    const parsed = await parseAsyncApiDocument(configDir, entry.file, `${field}.file`);
    const mapped = mapAsyncApiDocument(parsed, entry, field);
    out.documents.push(parsed.shown);
    out.warnings.push(...mapped.warnings);
    out.applications.push(...mapped.applications);
    for (const topic of mapped.topics) {
      const earlier = topics.get(topic.name);
      topics.set(topic.name, earlier ? mergeTopics(earlier, topic) : topic);
    }
    for (const subject of mapped.subjects) {
      const earlier = subjects.get(subject.subject);
      if (earlier && (earlier.text !== subject.text || earlier.type !== subject.type)) {
        throw new ConfigError(`subject ${subject.subject} gets two different schemas: from ${earlier.source} and from ${subject.source}. A subject holds one schema per version; make them equal, or give the messages distinct subjects (confluent.value.subject.name.strategy: TopicRecordNameStrategy).`);
      }
      if (!earlier) subjects.set(subject.subject, subject);
    }
  }
  out.topics = [...topics.values()];
  out.subjects = [...subjects.values()];
  return out;
}

/** Two channels naming one topic: one topic when no setting differs; settings only one of them gives are kept. */
function mergeTopics(a: AsyncApiTopic, b: AsyncApiTopic): AsyncApiTopic {
  const clash = (what: string, left: unknown, right: unknown, leftAt: string, rightAt: string) => {
    if (left !== undefined && right !== undefined && JSON.stringify(left) !== JSON.stringify(right)) {
      throw new ConfigError(`topic ${a.name}: ${what} is ${JSON.stringify(left)} at ${leftAt} but ${JSON.stringify(right)} at ${rightAt}. Make the documents agree.`);
    }
  };
  clash('partitions', a.partitions, b.partitions, a.fieldSources.partitions ?? a.source, b.fieldSources.partitions ?? b.source);
  clash('replicas', a.replicationFactor, b.replicationFactor, a.fieldSources.replicationFactor ?? a.source, b.fieldSources.replicationFactor ?? b.source);
  for (const key of Object.keys(b.config)) clash(key, a.config[key], b.config[key], a.fieldSources.config[key] ?? a.source, b.fieldSources.config[key] ?? b.source);
  return {
    ...a,
    partitions: a.partitions ?? b.partitions,
    replicationFactor: a.replicationFactor ?? b.replicationFactor,
    config: { ...b.config, ...a.config },
    fieldSources: {
      partitions: a.fieldSources.partitions ?? b.fieldSources.partitions,
      replicationFactor: a.fieldSources.replicationFactor ?? b.fieldSources.replicationFactor,
      config: { ...b.fieldSources.config, ...a.fieldSources.config },
    },
  };
}
