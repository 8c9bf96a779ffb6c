import { z } from 'zod';
import { NonEmptyString } from '../../config/common.js';
import { parseYamlDocuments, refuseInterpolation } from '../../config/yaml.js';
import { ConfigError } from '../../errors.js';
import { quotaEntityKey, type QuotaEntity } from '../../clients/kafka/admin.js';
import { isMapping, parseDocumentPart } from '../shared/documents.js';
import { expandFilePatterns, readInputFile } from '../shared/files.js';
import { isKafkaUser, readKafkaUser } from '../shared/strimzi-kafka-user.js';
import type { QuotasSection } from './config.js';
import { DEFAULT_ENTITY_NAME, describeEntity, QUOTA_KEYS, type DesiredQuota, type QuotaFileKey } from './model.js';

const EntityName = NonEmptyString.superRefine((value, ctx) => {
  if (/^User:/i.test(value)) ctx.addIssue({ code: 'custom', message: `quota entities are user names, not principals: write ${value.slice(5)} without the "User:" prefix` });
});

// Byte rates are longs in Kafka; the percentage and the mutation rate are doubles.
const ByteRate = z.number({ error: 'expected a number of bytes per second' }).int({ error: 'expected a whole number of bytes per second' }).positive({ error: 'must be above 0 (remove the key for no limit)' });
const Rate = z.number({ error: 'expected a number' }).positive({ error: 'must be above 0 (remove the key for no limit)' });

const QuotaDeclaration = z
  .strictObject({
    user: EntityName.optional().meta({ description: `A user name (the principal without "User:"), or "${DEFAULT_ENTITY_NAME}" for every user without a quota of its own.` }),
    clientId: EntityName.optional().meta({ description: `A client id, or "${DEFAULT_ENTITY_NAME}"; with user, the quota of that client id of that user.` }),
    producerByteRate: ByteRate.optional(),
    consumerByteRate: ByteRate.optional(),
    requestPercentage: Rate.optional(),
    controllerMutationRate: Rate.optional(),
  })
  .superRefine((quota, ctx) => {
    if (quota.user === undefined && quota.clientId === undefined) ctx.addIssue({ code: 'custom', message: 'say whose quota this is: user, clientId, or both' });
    if (!(Object.keys(QUOTA_KEYS) as QuotaFileKey[]).some((key) => quota[key] !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `set at least one of ${Object.keys(QUOTA_KEYS).join(', ')}` });
    }
  });

const QuotaFile = z.strictObject({ quotas: z.array(QuotaDeclaration).min(1, { error: 'list at least one quota' }) });

export interface DesiredQuotas {
  quotas: DesiredQuota[];
  files: string[];
}

function entityName(name: string | undefined): string | null | undefined {
  return name === DEFAULT_ENTITY_NAME ? null : name;
}

/**
 * Reads the quota files the section names. An entity declared twice is an error naming both
 * places: one entity has one set of quotas. No network.
 */
export function loadDesiredQuotas(section: Pick<QuotasSection, 'files'>, configDir: string): DesiredQuotas {
  const files = expandFilePatterns(section.files, configDir, 'quotas.files');
  const byEntity = new Map<string, DesiredQuota>();
  const declare = (entity: QuotaEntity, quota: Partial<Record<QuotaFileKey, number>>, source: string) => {
    const key = quotaEntityKey(entity);
    const earlier = byEntity.get(key);
    if (earlier) throw new ConfigError(`${source}: the quota of ${describeEntity(entity)} is declared twice (first at ${earlier.source}). Keep one declaration.`);
    const values: Record<string, number> = {};
    for (const [fileKey, kafkaKey] of Object.entries(QUOTA_KEYS)) {
      const value = quota[fileKey as QuotaFileKey];
      if (value !== undefined) values[kafkaKey] = value;
    }
    byEntity.set(key, { entity, values, source });
  };
  for (const file of files) {
    for (const doc of parseYamlDocuments(file.shown, readInputFile(file))) {
      if (!isMapping(doc.value)) throw new ConfigError(`${doc.locate([])}: expected a mapping with a "quotas:" list.`);
      if (isKafkaUser(doc.value)) {
        // A Strimzi KafkaUser's spec.quotas: the quotas of its user (the same key names).
        const user = readKafkaUser(doc);
        if (user.quotas && Object.keys(user.quotas).length > 0) declare({ user: user.quotaUser }, user.quotas, doc.locate(['spec', 'quotas']));
        continue;
      }
      // Other Kubernetes resources next to the quota files are not quota declarations.
      if ('apiVersion' in doc.value || 'kind' in doc.value) continue;
      refuseInterpolation(doc);
      const parsed = parseDocumentPart(QuotaFile, doc, doc.value);
      parsed.quotas.forEach((quota, index) => {
        const entity: QuotaEntity = {};
        if (quota.user !== undefined) entity.user = entityName(quota.user);
        if (quota.clientId !== undefined) entity.clientId = entityName(quota.clientId);
        declare(entity, quota, doc.locate(['quotas', index]));
      });
    }
  }
  return { quotas: [...byEntity.values()], files: files.map((file) => file.shown) };
}
