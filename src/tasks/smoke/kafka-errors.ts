/** The Kafka error name of a kafkajs error ("TOPIC_AUTHORIZATION_FAILED"), looking through its retry wrappers. */
export function errorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    const nested = (current as { errors?: unknown[] }).errors?.[0];
    current = nested ?? (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Errors of a metadata answer in which a partition has no leader. kafkajs rejects the whole
 * answer then, so callers cannot see which partition; right after a topic is created or grown
 * this lasts a moment.
 */
const LEADERLESS = new Set(['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER']);

export function isLeaderless(error: unknown): boolean {
  return LEADERLESS.has(errorType(error) ?? '');
}

/** Runs `read` again while its error says a partition has no leader yet, for at most `ms`. */
export async function retryWhileLeaderless<T>(read: () => Promise<T>, ms: number): Promise<T> {
  const giveUpAt = Date.now() + ms;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (!isLeaderless(error) || Date.now() >= giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
