import { describe, expect, it } from 'vitest';
import { itemError, itemFailure, throwFirstRefusal, type ItemResult } from '../../../src/clients/kafka/admin.js';
import { classifyKafkaError, kafkaFailure } from '../../../src/clients/kafka/errors.js';

const cluster = { brokers: ['127.0.0.1:9092'], clientId: 'synchook', connectionTimeout: 1000, requestTimeout: 1000, retries: 1 } as Parameters<typeof kafkaFailure>[1];

// Codes from Kafka's protocol guide, "Error Codes".
const CLUSTER_AUTHORIZATION_FAILED = 31;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const INVALID_PARTITIONS = 37;

describe('per-item results of the Kafka admin module', () => {
  it('classify an item refusal with the one classifier: kind, retriable, and the broker\'s own message', () => {
    expect(itemError(CLUSTER_AUTHORIZATION_FAILED)).toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED', kind: 'not-authorized', retriable: false });
    expect(itemError(UNKNOWN_TOPIC_OR_PARTITION)).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', kind: 'not-ready', retriable: true });
    expect(itemError(INVALID_PARTITIONS, 'Topic already has 6 partitions.')).toMatchObject({ kind: 'refused', message: 'Topic already has 6 partitions.' });
  });

  it('turn a refused item into the same error and exit code as a thrown kafkajs error', () => {
    const failure = kafkaFailure(itemFailure(itemError(CLUSTER_AUTHORIZATION_FAILED)), cluster, 'create ACLs');
    expect(failure.exitCode).toBe(1);
    expect(failure.message).toMatch(/^cannot create ACLs: Kafka answered CLUSTER_AUTHORIZATION_FAILED\. Grant synchook's principal/);
    expect(classifyKafkaError(itemFailure(itemError(UNKNOWN_TOPIC_OR_PARTITION)))).toMatchObject({ kind: 'not-ready', retriable: true });
  });

  it('throw the first refusal not ignored, and nothing when every item is ok or ignored', () => {
    const results: ItemResult[] = [{ ok: true }, { ok: false, error: itemError(UNKNOWN_TOPIC_OR_PARTITION) }, { ok: false, error: itemError(INVALID_PARTITIONS) }];
    expect(() => throwFirstRefusal(results)).toThrow(expect.objectContaining({ type: 'UNKNOWN_TOPIC_OR_PARTITION' }));
    expect(() => throwFirstRefusal(results, ['UNKNOWN_TOPIC_OR_PARTITION'])).toThrow(expect.objectContaining({ type: 'INVALID_PARTITIONS' }));
    expect(() => throwFirstRefusal(results.slice(0, 2), ['UNKNOWN_TOPIC_OR_PARTITION'])).not.toThrow();
  });
});
