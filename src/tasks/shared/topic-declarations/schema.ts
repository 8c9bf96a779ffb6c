import { z } from 'zod';
import { NonEmptyString } from '../../../config/common.js';

// The parts of the topics section that say what is declared; the topics task, health
// (fromTopicsSection) and teardown read them.

/** A topic config map as declared: values may be strings, numbers, booleans or lists of those. */
export const TopicConfigMap = z
  .record(NonEmptyString, z.unknown())
  .meta({ description: 'Topic configs (retention.ms, cleanup.policy, ...). Values may be strings, numbers, booleans or lists; Kafka receives them as strings.' });

export const Partitions = z
  .int({ error: 'expected a whole number of partitions' })
  .min(1, { error: 'must be at least 1' })
  .max(2_147_483_647, { error: 'is beyond what Kafka accepts' });

export const ReplicationFactor = z
  .int({ error: 'expected a whole number of replicas' })
  .min(1, { error: 'must be at least 1' })
  .max(32_767, { error: 'is beyond what Kafka accepts' });

export const TopicDefaults = z.strictObject({
  partitions: Partitions.optional().meta({ description: 'Partitions of a topic that does not say; the broker default (num.partitions) otherwise.' }),
  replicationFactor: ReplicationFactor.optional().meta({ description: 'Replication factor of a topic that does not say; the broker default (default.replication.factor) otherwise.' }),
  config: TopicConfigMap.optional().meta({ description: 'Configs every topic gets unless it sets the key itself.' }),
});
export type TopicDefaults = z.output<typeof TopicDefaults>;

/** Where topics are declared: the files (globs) and the defaults they get. */
export interface TopicDeclarationSource {
  files?: string[];
  defaults?: TopicDefaults;
}
