import type { Admin } from 'kafkajs';
import { describeAclsOf, readTopicInventory, type AclBindingNames, type TopicInventory } from '../clients/kafka/admin.js';
import type { RegistryClient, RegistryReference } from '../clients/registry.js';

/** What `synchook import` found: the state to write down as synchook's files. */
export interface Inventory {
  topics: TopicInventory[];
  acls: AclBindingNames[];
  subjects: SubjectInventory[];
}

export interface SubjectInventory {
  subject: string;
  /** The latest version: the one a declaration of the subject must match. */
  version: number;
  schema: string;
  schemaType: string;
  references: RegistryReference[];
  /** The subject's own compatibility level; undefined when it follows the registry's global level. */
  compatibility?: string;
}

export interface ReadOptions {
  topicPrefixes: readonly string[];
  principals: readonly string[];
  subjectPrefixes: readonly string[];
  signal?: AbortSignal;
}

const startsWithAny = (prefixes: readonly string[]) => (name: string) => prefixes.some((prefix) => name.startsWith(prefix));

export async function readTopicsAndAcls(admin: Admin, options: ReadOptions): Promise<Pick<Inventory, 'topics' | 'acls'>> {
  const topics = await readTopicInventory(admin, startsWithAny(options.topicPrefixes));
  const acls = options.principals.length > 0 ? await describeAclsOf(admin, options.principals) : [];
  return { topics, acls };
}

/** Registry requests in flight at once while reading subjects. */
const SUBJECT_CONCURRENCY = 8;

/** The subjects under the prefixes: latest version, schema, references and own level each. */
export async function readSubjects(registry: RegistryClient, options: ReadOptions): Promise<SubjectInventory[]> {
  const names = (await registry.subjects({ signal: options.signal })).filter(startsWithAny(options.subjectPrefixes)).sort();
  const out: SubjectInventory[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      const subject = names[index]!;
      const [latest, level] = await Promise.all([registry.version(subject, 'latest', { signal: options.signal }), registry.level(subject, { signal: options.signal })]);
      if (!latest) continue;
      // Apicurio answers NONE for a subject without a rule of its own, and treats a subject-level NONE
      // as no rule: declaring it would be refused by the plan (rule compatibility-none-unsupported).
      // Left out, the plan leaves the subject's level as the registry has it.
      const own = level && level !== 'NONE' ? level : undefined;
      out[index] = { subject, version: latest.version, schema: latest.schema, schemaType: latest.schemaType, references: latest.references, ...(own ? { compatibility: own } : {}) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(SUBJECT_CONCURRENCY, names.length) }, worker));
  return out.filter(Boolean);
}
