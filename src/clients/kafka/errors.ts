/**
 * The one place that decides what a kafkajs or Kafka protocol error means for synchook: its kind,
 * and the exit code and sentence a user sees. Tasks call kafkaFailure() (or classifyKafkaError()
 * when they handle some kinds themselves) instead of reading kafkajs error names.
 *
 * Exit codes (docs/commands.md, "Exit codes"): a broker that cannot be reached or does not answer in time → 3;
 * credentials, certificates, a broker too old for a request synchook needs → 2 (the connection
 * settings are wrong); a missing ACL of synchook's own principal → 1 in PreSync and PostSync alike
 * (the same code as the plan's `not-authorized` violation found by the broker's validate-only
 * answers: the sync stops, the config is fine, the grant is missing); the broker refusing a
 * change, a degraded cluster, anything else → 1.
 */
import type { ClusterConfig } from '../../config/common.js';
import { ConfigError, ExitCode, SynchookError, TaskFailedError, UnreachableError, messageOf } from '../../errors.js';
import { isCertificateError } from '../tls.js';

export type KafkaErrorKind =
  /** No connection, or no answer in time. */
  | 'unreachable'
  /** The broker rejected the SASL credentials. */
  | 'credentials'
  /** The TLS handshake failed on the certificate. */
  | 'certificate'
  /** synchook's principal lacks an ACL for the request. */
  | 'not-authorized'
  /** The cluster has no authorizer, so ACL requests cannot work. */
  | 'no-authorizer'
  /** The broker does not implement the API or version synchook needs. */
  | 'unsupported'
  /** A partition without a leader, a topic the broker does not serve yet: may pass by waiting. */
  | 'not-ready'
  /** The broker refused the request or an item of it (invalid config, policy, ...). */
  | 'refused'
  /** Not a Kafka error synchook knows. */
  | 'unknown';

export interface KafkaErrorClass {
  kind: KafkaErrorKind;
  /** The Kafka protocol error name (TOPIC_AUTHORIZATION_FAILED, ...), when the error carries one. */
  type?: string;
  /** Worth asking again within the deadline (kafkajs's table of retriable protocol errors, plus connection loss). */
  retriable: boolean;
  exitCode: ExitCode;
}

const CONNECTION_ERROR_NAMES = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError', 'KafkaJSLockTimeout']);
const SOCKET_ERROR_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ENETUNREACH']);
// "reading 'topicMetadata'": kafkajs's metadata cache is null while it reconnects (tulios/kafkajs#549).
const CONNECTION_MESSAGES = /Connection (timeout|error|refused)|connect ECONNREFUSED|getaddrinfo|Closed connection|Request timed out|Broker not connected|Not connected|socket hang up|reading 'topicMetadata'/i;

/** Authorization errors of the protocol, with the ACLs to grant synchook's principal. */
const AUTHORIZATION_HINTS: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'the topic permissions listed under "Kafka ACLs synchook needs" in docs/topics-and-acls.md (DESCRIBE, DESCRIBE_CONFIGS, CREATE, ALTER, ALTER_CONFIGS, DELETE on the managed topics; WRITE and READ on the smoke topic)',
  CLUSTER_AUTHORIZATION_FAILED: 'the cluster permissions listed under "Kafka ACLs synchook needs" in docs/topics-and-acls.md (DESCRIBE and ALTER on the cluster to manage ACLs, CREATE to create topics)',
  GROUP_AUTHORIZATION_FAILED: 'DESCRIBE (and for the smoke consumer READ and DELETE) on the consumer groups it uses',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'DESCRIBE on the transactional ids it reads',
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 'the permissions for delegation tokens',
};

/** Protocol errors that say a topic or partition is not (yet) served: the broker is catching up. */
const NOT_READY_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'REPLICA_NOT_AVAILABLE',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'UNKNOWN_LEADER_EPOCH',
  'FENCED_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

/** Walks a kafkajs error chain (retry wrappers hide the cause in originalError, aggregates in errors[0]). */
function* chainOf(error: unknown): Generator<Record<string, unknown>> {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 6; depth += 1) {
    yield current as Record<string, unknown>;
    const link = current as { originalError?: unknown; cause?: unknown; errors?: unknown };
    const next = link.originalError ?? (Array.isArray(link.errors) ? link.errors[0] : undefined) ?? link.cause;
    if (next === current) return;
    current = next;
  }
}

/** The Kafka protocol error name (TOPIC_AUTHORIZATION_FAILED, ...) somewhere in a kafkajs error chain. */
export function kafkaErrorType(error: unknown): string | undefined {
  for (const link of chainOf(error)) if (typeof link.type === 'string') return link.type;
  return undefined;
}

function isConnectionFailure(error: unknown): boolean {
  for (const link of chainOf(error)) {
    if (typeof link.name === 'string' && CONNECTION_ERROR_NAMES.has(link.name)) return true;
    if (typeof link.code === 'string' && SOCKET_ERROR_CODES.has(link.code)) return true;
    if (CONNECTION_MESSAGES.test(typeof link.message === 'string' ? link.message : '')) return true;
  }
  return false;
}

function isSaslFailure(error: unknown): boolean {
  for (const link of chainOf(error)) {
    if (link.name === 'KafkaJSSASLAuthenticationError') return true;
    if (/SASL .*authentication failed|Authentication failed/i.test(typeof link.message === 'string' ? link.message : '')) return true;
  }
  return false;
}

/** The kind of a protocol error name, as a per-item result carries it. */
export function kindOfType(type: string): KafkaErrorKind {
  if (type in AUTHORIZATION_HINTS) return 'not-authorized';
  if (type === 'SASL_AUTHENTICATION_FAILED') return 'credentials';
  if (type === 'SECURITY_DISABLED') return 'no-authorizer';
  if (type === 'UNSUPPORTED_VERSION') return 'unsupported';
  if (NOT_READY_TYPES.has(type)) return 'not-ready';
  if (type === 'REQUEST_TIMED_OUT' || type === 'NETWORK_EXCEPTION') return 'unreachable';
  return 'refused';
}

const EXIT_CODES: Record<KafkaErrorKind, ExitCode> = {
  unreachable: ExitCode.Unreachable,
  credentials: ExitCode.Config,
  certificate: ExitCode.Config,
  'not-authorized': ExitCode.Rejected,
  'no-authorizer': ExitCode.Rejected,
  unsupported: ExitCode.Config,
  'not-ready': ExitCode.Rejected,
  refused: ExitCode.Rejected,
  unknown: ExitCode.Rejected,
};

export function classifyKafkaError(error: unknown): KafkaErrorClass {
  const type = kafkaErrorType(error);
  const kind: KafkaErrorKind = isSaslFailure(error)
    ? 'credentials'
    : isCertificateError(error)
      ? 'certificate'
      : type !== undefined
        ? kindOfType(type)
        : [...chainOf(error)].some((link) => link.name === 'KafkaJSServerDoesNotSupportApiKey')
          ? 'unsupported'
          : isConnectionFailure(error)
            ? 'unreachable'
            : 'unknown';
  const flagged = [...chainOf(error)].some((link) => link.retriable === true);
  const retriable = kind === 'unreachable' || kind === 'not-ready' || (kind === 'refused' && flagged);
  return { kind, ...(type ? { type } : {}), retriable, exitCode: EXIT_CODES[kind] };
}

/** Whether waiting and asking again may succeed: connection loss, a topic or partition not served yet. */
export function isRetriableKafkaError(error: unknown): boolean {
  return classifyKafkaError(error).retriable;
}

/**
 * Turns a failed Kafka request into the error synchook reports: one sentence naming what it tried,
 * the cause and the fix, with the exit code of its kind (see the top of this file).
 */
export function kafkaFailure(error: unknown, cluster: ClusterConfig | undefined, action: string): SynchookError {
  if (error instanceof SynchookError) return error;
  const { kind, type } = classifyKafkaError(error);
  const brokers = cluster ? cluster.brokers.join(', ') : 'the brokers';
  const detail = rootMessage(error);
  switch (kind) {
    case 'credentials':
      return new ConfigError(`cannot ${action} at ${brokers}: the broker rejected the SASL credentials of ${cluster?.sasl?.username ?? '(none)'} (${detail}). Check cluster.sasl.username, the password and the mechanism (${cluster?.sasl?.mechanism ?? 'none'}).`, { cause: error });
    case 'certificate':
      return new ConfigError(`cannot ${action} at ${brokers}: TLS certificate check failed (${detail}). Set cluster.tls.caFile to the CA that signed the brokers' certificates.`, { cause: error });
    case 'not-authorized':
      return new TaskFailedError(`cannot ${action}: Kafka answered ${type}. Grant synchook's principal${cluster?.sasl ? ` (User:${cluster.sasl.username})` : ''} ${AUTHORIZATION_HINTS[type!]}.`, { cause: error });
    case 'no-authorizer':
      return new TaskFailedError(`cannot ${action}: the cluster has no authorizer (authorizer.class.name is not set), so it keeps no ACLs. Enable an authorizer or remove the acls section.`, { cause: error });
    case 'unsupported':
      return new ConfigError(`cannot ${action} at ${brokers}: the broker does not support a request synchook needs (${detail}). synchook needs Kafka 2.3 or newer; run synchook doctor to list the APIs the brokers support.`, { cause: error });
    case 'not-ready':
      if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return new TaskFailedError(`cannot ${action}: the broker does not serve the topic or partition (${type}); it may have been deleted meanwhile or the broker is still catching up. Run again.`, { cause: error });
      return new TaskFailedError(`cannot ${action}: a partition the cluster reports has no leader (${type}); synchook does not change topics while the cluster is degraded. Look for offline partitions (kafka-topics --describe --unavailable-partitions) and run again.`, { cause: error });
    case 'unreachable':
      return new UnreachableError(`cannot ${action} at ${brokers}${cluster ? ' (cluster.brokers)' : ''}: ${detail}. Check the addresses, TLS/SASL settings and that the brokers are up.`, { cause: error });
    default:
      return new TaskFailedError(`Kafka request failed (${action}) at ${brokers}: ${detail}`, { cause: error });
  }
}

/**
 * kafkajs reports a request that got no answer only in its log, then fails later with the vaguer
 * "Broker not connected"; the last such line is kept to name the real cause.
 */
let lastUnansweredRequest: string | undefined;

export function noteUnansweredRequest(message: string): void {
  lastUnansweredRequest = message;
}

/** The most specific message in a chain of kafkajs errors (the retry wrapper hides the cause). */
export function rootMessage(error: unknown): string {
  let message = messageOf(error);
  let timeout: string | undefined;
  for (const link of chainOf(error)) {
    const text = typeof link.message === 'string' ? link.message : undefined;
    if (text) message = text;
    if (text && /timed out|timeout/i.test(text)) timeout ??= text;
  }
  // "Broker not connected" after a reconnect hides the cause: a request that got no answer.
  const cause = timeout ?? lastUnansweredRequest;
  if (cause && /not connected|Closed connection/i.test(message)) return `${message} (the broker accepted the connection but did not answer: ${cause})`;
  return message;
}
