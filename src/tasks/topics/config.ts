import { z } from 'zod';
import { DeclarationFiles, DeleteMode, Duration, NamePrefixes } from '../../config/common.js';
import { TopicDefaults } from '../shared/topic-declarations/schema.js';

export const TopicsSection = z
  .strictObject({
    files: DeclarationFiles.optional().meta({ description: 'Topic declaration files or globs (topics/*.yaml), relative to the config file. synchook format and Strimzi KafkaTopic resources. May be left out when asyncapi.documents declare the topics.' }),
    defaults: TopicDefaults.optional(),
    managedPrefix: NamePrefixes.optional().meta({ description: 'The topic names this config owns ("orders." or a list). Declared topics must fall inside it; undeclared topics inside it are deletion candidates.' }),
    delete: DeleteMode.meta({ description: 'forbid (default): a topic under managedPrefix that is no longer declared stops the sync. managed: it is deleted.' }),
    prune: z.boolean().default(false).meta({ description: "Revert config keys set on a topic but not declared (removed from the file, or set by hand) to the broker default. Off: such keys are left alone." }),
    validateWithBroker: z.boolean().default(true).meta({ description: 'Let the broker judge new topics and config changes in the plan (validate-only requests). Off: only local checks.' }),
    allowReassignment: z
      .boolean()
      .default(false)
      .meta({ description: 'Change the replication factor of existing topics by a partition reassignment (and wait for reassignments in progress). Off: a replication-factor change is a violation.' }),
    reassignment: z
      .strictObject({
        throttle: z
          .int({ error: 'expected a whole number of bytes per second' })
          .min(1, { error: 'must be at least 1 byte per second' })
          .optional()
          .meta({ description: 'Replication throttle in bytes/s while replicas move (leader/follower.replication.throttled.rate on the brokers, .replicas on the topics); removed when the move ends. Unset: no throttle.' }),
        timeout: Duration.prefault('10m').meta({ description: 'How long apply waits for a reassignment to finish, within the task deadline. Past it the move goes on in the cluster and the next run waits for it again: exit 1.' }),
      })
      .prefault({})
      .meta({ description: 'How replicas move when topics.allowReassignment is on.' }),
    settleTimeout: Duration.prefault('2m').meta({ description: 'How long apply keeps waiting without progress until the broker serves the changes (a leader for every new partition, the new configs, deleted topics gone); the wait goes on as long as topics keep becoming ready, within the task deadline. Past it: exit 3.' }),
  })
  .superRefine((section, ctx) => {
    if (section.delete === 'managed' && !section.managedPrefix) {
      ctx.addIssue({ code: 'custom', path: ['delete'], message: 'delete: managed needs managedPrefix, the names in which undeclared topics are deleted; set managedPrefix or use delete: forbid' });
    }
  });
export type TopicsSection = z.output<typeof TopicsSection>;
