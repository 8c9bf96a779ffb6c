import { z } from 'zod';
import { Duration, NonEmptyString } from '../../config/common.js';

const TopicName = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, { message: 'a topic name uses letters, digits, ".", "_" or "-" (at most 249)' });

const TopicExpectation = z.strictObject({
  name: TopicName.meta({ description: 'A topic the application needs.' }),
  partitions: z.int().min(1).optional().meta({ description: 'Partition count it must have; any count when left out.' }),
  replicationFactor: z.int().min(1).optional().meta({ description: 'Replicas each partition must have; any number when left out.' }),
});
type TopicExpectation = z.output<typeof TopicExpectation>;

export const ConsumerGroupExpectation = z.strictObject({
  group: NonEmptyString.meta({ description: 'Consumer group id of the application.' }),
  minMembers: z.int().min(0).default(1).meta({
    description: 'Members the group must have once Stable. 0: the group may be empty (a batch consumer) and only its lag is checked.',
  }),
  maxLag: z.int().min(0).default(1000).meta({ description: 'Highest allowed lag (end offset − committed offset) of any one partition.' }),
  waitFor: Duration.prefault('60s').meta({ description: 'How long to wait for the group to become Stable and its lag to fall to maxLag (within the task deadline).' }),
  topics: z.array(TopicName).min(1).optional().meta({ description: 'Topics whose lag counts. Default: the topics assigned to the members plus those the group committed offsets for.' }),
  withoutCommittedOffset: z
    .enum(['lag-from-start', 'skip'])
    .default('lag-from-start')
    .meta({
      description:
        'A partition the group has never committed: lag-from-start (default) counts every retained record (end − log start offset) as unread; skip leaves the partition out (a consumer that starts at the latest offset).',
    }),
});
export type ConsumerGroupExpectation = z.output<typeof ConsumerGroupExpectation>;

export const HealthSection = z
  .strictObject({
    topics: z.array(TopicExpectation).default([]).meta({ description: 'Topics that must exist, with the partition count (and replication factor) given.' }),
    fromTopicsSection: z.boolean().default(false).meta({ description: 'Also check every topic the topics section declares, with its declared partitions and replication factor.' }),
    underReplicated: z
      .enum(['deny', 'warn'])
      .default('deny')
      .meta({ description: 'A partition whose in-sync replicas are fewer than its replicas: deny fails the sync, warn reports it. A partition without a leader always fails.' }),
    consumerGroups: z.array(ConsumerGroupExpectation).default([]).meta({ description: "The application's consumer groups: Stable with enough members, lag within bounds." }),
  })
  .superRefine((section, ctx) => {
    const seen = new Set<string>();
    for (const [index, expectation] of section.consumerGroups.entries()) {
      if (seen.has(expectation.group)) ctx.addIssue({ code: 'custom', path: ['consumerGroups', index, 'group'], message: `group ${expectation.group} is listed twice; keep one entry` });
      seen.add(expectation.group);
    }
    const names = new Set<string>();
    for (const [index, topic] of section.topics.entries()) {
      if (names.has(topic.name)) ctx.addIssue({ code: 'custom', path: ['topics', index, 'name'], message: `topic ${topic.name} is listed twice; keep one entry` });
      names.add(topic.name);
    }
    if (section.topics.length === 0 && !section.fromTopicsSection && section.consumerGroups.length === 0) {
      ctx.addIssue({ code: 'custom', path: [], message: 'health has nothing to check: list topics, set fromTopicsSection: true, or list consumerGroups' });
    }
  });
export type HealthSection = z.output<typeof HealthSection>;

/** How often a group's state and lag are read while waiting. */
export const POLL_INTERVAL_MS = 1_000;
