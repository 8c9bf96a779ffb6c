/**
 * Kafka's topic name rules (org.apache.kafka.common.internals.Topic): ASCII letters, digits, '.',
 * '_' and '-'; at most 249 characters; not "." or "..". Kafka also refuses a topic whose name
 * equals an existing one once '.' is replaced by '_', because both map to the same metric names.
 */
const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why Kafka would refuse the name, with the fix; undefined when it is legal. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty; give the topic a name';
  if (name === '.' || name === '..') return `"${name}" is not a legal topic name; Kafka reserves "." and ".."`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `the name is ${name.length} characters long; Kafka allows at most ${MAX_TOPIC_NAME_LENGTH}. Shorten it`;
  if (!LEGAL.test(name)) {
    const illegal = [...new Set([...name].filter((char) => !/[a-zA-Z0-9._-]/.test(char)))].map((char) => JSON.stringify(char)).join(', ');
    return `the name contains ${illegal}; Kafka allows only ASCII letters, digits, ".", "_" and "-". Rename it`;
  }
  return undefined;
}

/** The warning kafka-topics prints for names that mix '.' and '_'. */
export function topicNameWarning(name: string): string | undefined {
  if (name.includes('.') && name.includes('_')) {
    return `topic ${name}: the name mixes "." and "_"; Kafka maps both to "_" in metric names, so it may collide with another topic. Use one or the other.`;
  }
  return undefined;
}

/** The form under which two names collide in Kafka's metrics. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

/** Topics Kafka creates and owns itself (offsets, transactions, share groups). */
export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}
