import { kafkaError, rootMessage } from '../../clients/kafka.js';
import type { ClusterConfig } from '../../config/common.js';
import { SynchookError, TaskFailedError } from '../../errors.js';

/** The Kafka protocol error name (TOPIC_AUTHORIZATION_FAILED, ...) somewhere in a kafkajs error chain. */
export function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const AUTHORIZATION_HINTS: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'the topic permissions listed under "Kafka ACLs synchook needs" in the README (DESCRIBE, DESCRIBE_CONFIGS, CREATE, ALTER, ALTER_CONFIGS, DELETE on the managed topics)',
  CLUSTER_AUTHORIZATION_FAILED: 'the cluster permissions listed under "Kafka ACLs synchook needs" in the README (DESCRIBE and ALTER on the cluster to manage ACLs, CREATE to create topics)',
  GROUP_AUTHORIZATION_FAILED: 'DESCRIBE on the consumer groups it reads',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'DESCRIBE on the transactional ids it reads',
};

/**
 * Turns a failed admin request into an error a user can act on: missing permissions name the ACL
 * to grant, a degraded cluster says so, connection failures keep exit 3 (see kafkaError).
 */
export function kafkaFailure(error: unknown, cluster: ClusterConfig | undefined, action: string): SynchookError {
  if (error instanceof SynchookError) return error;
  const type = kafkaErrorType(error);
  if (type && type in AUTHORIZATION_HINTS) {
    return new TaskFailedError(`cannot ${action}: Kafka answered ${type}. Grant synchook's principal ${AUTHORIZATION_HINTS[type]}.`, { cause: error });
  }
  if (type === 'SECURITY_DISABLED') {
    return new TaskFailedError(`cannot ${action}: the cluster has no authorizer (authorizer.class.name is not set), so it keeps no ACLs. Enable an authorizer or remove the acls section.`, { cause: error });
  }
  if (type === 'LEADER_NOT_AVAILABLE' || type === 'NOT_LEADER_FOR_PARTITION') {
    return new TaskFailedError(`cannot ${action}: a partition the cluster reports has no leader (${type}); synchook does not change topics while the cluster is degraded. Look for offline partitions (kafka-topics --describe --unavailable-partitions) and run again.`, { cause: error });
  }
  if (cluster) return kafkaError(error, cluster, action);
  return new TaskFailedError(`Kafka request failed (${action}): ${rootMessage(error)}`, { cause: error });
}
