import { describe, expect, it } from 'vitest';
import { classifyKafkaError, kafkaFailure } from '../../../src/clients/kafka/errors.js';

/** kafkajs's shapes: a protocol error (type, retriable) wrapped by its retrier, an aggregate of per-topic errors, a connection error. */
const protocol = (type: string, retriable = false) => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });
const retried = (cause: Error) => Object.assign(new Error(cause.message), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: cause });
const aggregate = (cause: Error) => Object.assign(new Error('Topic creation errors'), { name: 'KafkaJSAggregateError', errors: [cause] });
const cluster = { brokers: ['127.0.0.1:9092'], clientId: 'synchook', connectionTimeout: 1000, requestTimeout: 1000, retries: 1 } as Parameters<typeof kafkaFailure>[1];

describe('the Kafka error classifier', () => {
  it('gives a missing ACL of synchook\'s principal exit 1, wherever kafkajs hides it', () => {
    for (const error of [protocol('TOPIC_AUTHORIZATION_FAILED'), retried(protocol('GROUP_AUTHORIZATION_FAILED')), aggregate(protocol('CLUSTER_AUTHORIZATION_FAILED'))]) {
      expect(classifyKafkaError(error)).toMatchObject({ kind: 'not-authorized', exitCode: 1, retriable: false });
      const failure = kafkaFailure(error, cluster, 'create topics');
      expect(failure.exitCode).toBe(1);
      expect(failure.message).toMatch(/Grant synchook's principal/);
    }
  });

  it('treats a topic or partition not served yet as retriable, and connection loss as exit 3', () => {
    expect(classifyKafkaError(retried(protocol('UNKNOWN_TOPIC_OR_PARTITION', true)))).toMatchObject({ kind: 'not-ready', retriable: true });
    expect(classifyKafkaError(protocol('LEADER_NOT_AVAILABLE', true))).toMatchObject({ kind: 'not-ready', retriable: true });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' });
    expect(classifyKafkaError(retried(refused))).toMatchObject({ kind: 'unreachable', exitCode: 3, retriable: true });
    expect(kafkaFailure(refused, cluster, 'list topics').exitCode).toBe(3);
  });

  it('gives credentials and certificates exit 2, and a refused change exit 1', () => {
    expect(classifyKafkaError(Object.assign(new Error('SASL SCRAM-SHA-512 authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }))).toMatchObject({ kind: 'credentials', exitCode: 2 });
    expect(classifyKafkaError(Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toMatchObject({ kind: 'certificate', exitCode: 2 });
    expect(classifyKafkaError(protocol('INVALID_CONFIG'))).toMatchObject({ kind: 'refused', exitCode: 1, retriable: false });
  });
});
