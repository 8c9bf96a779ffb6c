import type { QuotaEntity } from '../../clients/kafka/admin.js';

/**
 * The quota keys synchook manages, as written in synchook's files (the names Strimzi's KafkaUser
 * uses in spec.quotas) and as Kafka names them (QuotaConfigs in Kafka's server-common module).
 */
export const QUOTA_KEYS = {
  producerByteRate: 'producer_byte_rate',
  consumerByteRate: 'consumer_byte_rate',
  requestPercentage: 'request_percentage',
  controllerMutationRate: 'controller_mutation_rate',
} as const;
export type QuotaFileKey = keyof typeof QUOTA_KEYS;
type KafkaQuotaKey = (typeof QUOTA_KEYS)[QuotaFileKey];

export const KAFKA_QUOTA_KEYS: ReadonlySet<string> = new Set(Object.values(QUOTA_KEYS));

/** The name a default entity has in synchook's files (Kafka sends it as a null name). */
export const DEFAULT_ENTITY_NAME = '<default>';

export interface DesiredQuota {
  entity: QuotaEntity;
  /** Kafka quota key → value. */
  values: Record<string, number>;
  /** file:line:col of the declaration. */
  source: string;
}

/** "user orders-app", "client-id orders-producer of user orders-app", "the default user". */
export function describeEntity(entity: QuotaEntity): string {
  const user = entity.user === undefined ? undefined : entity.user === null ? 'the default user' : `user ${entity.user}`;
  const client = entity.clientId === undefined ? undefined : entity.clientId === null ? 'the default client-id' : `client-id ${entity.clientId}`;
  if (user && client) return `${client} of ${user}`;
  return user ?? client ?? 'an empty entity';
}

/** Byte rates print with their unit so a reviewer sees 1 MiB/s, not 1048576. */
export function formatQuotaValue(key: string, value: number): string {
  if (key.endsWith('_byte_rate') && value >= 1024 && Number.isInteger(value)) {
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let scaled = value;
    let unit = 0;
    while (scaled >= 1024 && scaled % 1024 === 0 && unit < units.length - 1) {
      scaled /= 1024;
      unit += 1;
    }
    return unit === 0 ? String(value) : `${value} (${scaled} ${units[unit]}/s)`;
  }
  return String(value);
}

/** Kafka keeps quota values as doubles; a value read back equals the one sent unless it changed. */
export function sameQuotaValue(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}
