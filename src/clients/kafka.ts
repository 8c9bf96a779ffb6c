import { Kafka, logLevel, type Admin, type KafkaConfig, type logCreator } from 'kafkajs';
import type { ClusterConfig } from '../config/common.js';
import type { SynchookError } from '../errors.js';
import type { Logger } from '../log.js';
import { kafkaFailure, noteUnansweredRequest } from './kafka/errors.js';
import { tlsOptions } from './tls.js';

export { classifyKafkaError, isRetriableKafkaError, kafkaErrorType, kafkaFailure, rootMessage } from './kafka/errors.js';

export interface KafkaClientOptions {
  dir: string;
  log: Logger;
  /** Added to the configured client id, e.g. "doctor" → "synchook-doctor". */
  clientIdSuffix?: string;
}

/** kafkajs settings from the `cluster` section: brokers, TLS, SASL, timeouts and bounded retries. */
export function kafkaConfig(cluster: ClusterConfig, options: KafkaClientOptions): KafkaConfig {
  const ssl = tlsOptions(cluster.tls, options.dir, 'cluster');
  const config: KafkaConfig = {
    clientId: options.clientIdSuffix ? `${cluster.clientId}-${options.clientIdSuffix}` : cluster.clientId,
    brokers: cluster.brokers,
    connectionTimeout: cluster.connectionTimeout,
    authenticationTimeout: cluster.connectionTimeout,
    requestTimeout: cluster.requestTimeout,
    enforceRequestTimeout: true,
    // Bounded: a hook must fail within its deadline instead of waiting for a broker forever.
    retry: { retries: cluster.retries, initialRetryTime: 250, maxRetryTime: 5_000, factor: 0.2, multiplier: 2 },
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.log),
  };
  if (ssl) config.ssl = ssl;
  if (cluster.sasl) {
    const { mechanism, username, password } = cluster.sasl;
    config.sasl = { mechanism, username, password: password! } as KafkaConfig['sasl'];
  }
  return config;
}

export function createKafka(cluster: ClusterConfig, options: KafkaClientOptions): Kafka {
  return new Kafka(kafkaConfig(cluster, options));
}

/**
 * kafkajs logs every failed attempt as an error; synchook reports the outcome itself, so these
 * lines go to debug and only kafkajs warnings stay visible.
 */
function pinoLogCreator(log: Logger): logCreator {
  return () => ({ level, log: entry }) => {
    const { message, ...rest } = entry;
    if (/timed out/i.test(message)) noteUnansweredRequest(message);
    const fields = { kafkajs: rest.namespace ?? true, broker: rest.broker, error: rest.error };
    if (level === logLevel.WARN && !/retry|reconnect/i.test(message)) log.warn(fields, message);
    else log.debug(fields, message);
  };
}

/** Connects an admin client, turning connection failures into errors that name the brokers. */
export async function connectAdmin(kafka: Kafka, cluster: ClusterConfig): Promise<Admin> {
  const admin = kafka.admin({ retry: { retries: cluster.retries, maxRetryTime: 5_000, initialRetryTime: 250 } });
  try {
    await admin.connect();
    return admin;
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw kafkaError(error, cluster);
  }
}

/** Maps a kafkajs error to synchook's error for `action` (see kafka/errors.ts for the exit codes). */
export function kafkaError(error: unknown, cluster: ClusterConfig, action = 'connect to Kafka'): SynchookError {
  return kafkaFailure(error, cluster, action);
}
