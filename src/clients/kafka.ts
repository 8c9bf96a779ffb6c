import { Kafka, logLevel, type Admin, type KafkaConfig, type logCreator } from 'kafkajs';
import type { ClusterConfig } from '../config/common.js';
import { ConfigError, SynchookError, UnreachableError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { isCertificateError, tlsOptions } from './tls.js';

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
/**
 * kafkajs reports a request that got no answer only in its log, then fails later with the vaguer
 * "Broker not connected"; the last such line is kept to name the real cause.
 */
let lastUnansweredRequest: string | undefined;

function pinoLogCreator(log: Logger): logCreator {
  return () => ({ level, log: entry }) => {
    const { message, ...rest } = entry;
    if (/timed out/i.test(message)) lastUnansweredRequest = message;
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

/** Maps a kafkajs error to exit 2 (credentials, certificates) or exit 3 (unreachable), or keeps it. */
export function kafkaError(error: unknown, cluster: ClusterConfig, action = 'connect to Kafka'): SynchookError {
  if (error instanceof SynchookError) return error;
  const brokers = cluster.brokers.join(', ');
  const detail = rootMessage(error);
  const name = (error as { name?: string }).name ?? '';
  if (name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed|Authentication failed/i.test(detail)) {
    return new ConfigError(`cannot ${action} at ${brokers}: the broker rejected the SASL credentials of ${cluster.sasl?.username ?? '(none)'} (${detail}). Check cluster.sasl.username, the password and the mechanism (${cluster.sasl?.mechanism ?? 'none'}).`, { cause: error });
  }
  if (isCertificateError(error)) {
    return new ConfigError(`cannot ${action} at ${brokers}: TLS certificate check failed (${detail}). Set cluster.tls.caFile to the CA that signed the brokers' certificates.`, { cause: error });
  }
  if (isConnectionFailure(error)) {
    return new UnreachableError(`cannot ${action} at ${brokers} (cluster.brokers): ${detail}. Check the addresses, TLS/SASL settings and that the brokers are up.`, { cause: error });
  }
  return new SynchookError(`Kafka request failed (${action}) at ${brokers}: ${detail}`, 1, { cause: error });
}

export function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    const name = (current as { name?: string }).name ?? '';
    if (['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSLockTimeout'].includes(name)) {
      if (name !== 'KafkaJSNumberOfRetriesExceeded') return true;
    }
    const code = (current as { code?: string }).code ?? '';
    if (['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ENETUNREACH'].includes(code)) return true;
    // "reading 'topicMetadata'": kafkajs's metadata cache is null while it reconnects (tulios/kafkajs#549).
    if (/Connection (timeout|error|refused)|connect ECONNREFUSED|getaddrinfo|Closed connection|Request timed out|Broker not connected|Not connected|socket hang up|reading 'topicMetadata'/i.test((current as { message?: string }).message ?? '')) return true;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The most specific message in a chain of kafkajs errors (the retry wrapper hides the cause). */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  let message = messageOf(error);
  let timeout: string | undefined;
  for (let depth = 0; current && depth < 6; depth += 1) {
    const text = (current as { message?: string }).message;
    if (text) message = text;
    if (text && /timed out|timeout/i.test(text)) timeout ??= text;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  // "Broker not connected" after a reconnect hides the cause: a request that got no answer.
  const cause = timeout ?? lastUnansweredRequest;
  if (cause && /not connected|Closed connection/i.test(message)) return `${message} (the broker accepted the connection but did not answer: ${cause})`;
  return message;
}
