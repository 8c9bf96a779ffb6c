import { classifyKafkaError, kafkaErrorType } from '../../clients/kafka.js';
import { sleep } from '../../timing.js';

/** The Kafka error name of a kafkajs error ("TOPIC_AUTHORIZATION_FAILED"), looking through its retry wrappers. */
export const errorType = kafkaErrorType;

/**
 * Errors saying a topic or partition is not served yet: no leader, or "This server does not host
 * this topic-partition" from a broker still catching up after heavy topic churn. kafkajs rejects
 * the whole metadata answer then; asking again a moment later succeeds.
 */
export function isLeaderless(error: unknown): boolean {
  return classifyKafkaError(error).kind === 'not-ready';
}

/** Runs `read` again while its error says a topic or partition is not served yet, for at most `ms`. */
export async function retryWhileLeaderless<T>(read: () => Promise<T>, ms: number): Promise<T> {
  const giveUpAt = Date.now() + ms;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (!isLeaderless(error) || Date.now() >= giveUpAt) throw error;
      await sleep(200);
    }
  }
}
