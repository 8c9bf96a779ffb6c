import { z } from 'zod';
import { Duration, NonEmptyString } from './common.js';

/**
 * The run lock: one applying run at a time per set of managed resources. Kafka's group
 * coordinator bounds a member's session between group.min.session.timeout.ms (6 s by default) and
 * group.max.session.timeout.ms (30 min); the lease must fall inside both.
 */
export const RunLockConfig = z.strictObject({
  enabled: z.boolean().default(false).meta({ description: 'Take the run lock before presync plans and applies (needs the ACLs in docs/run-lock.md). plan and --dry-run never take it.' }),
  name: NonEmptyString.optional().meta({ description: "What the lock guards; runs with the same name never apply at once. Defaults to topics.managedPrefix, else the environment's name." }),
  topic: NonEmptyString.default('__synchook_locks').meta({ description: 'A one-partition topic the lock group subscribes to; created when missing.' }),
  wait: Duration.prefault('2m').meta({ description: 'How long a run waits for another run holding the lock before it stops with exit 3 naming the holder (bounded by the run deadline).' }),
  lease: Duration.prefault('30s')
    .refine((ms) => ms >= 6_000 && ms <= 1_800_000, { message: 'must be between 6s and 30m (the broker bounds a group session)' })
    .meta({ description: 'How long a holder that stopped heartbeating (a killed pod) keeps the lock before the next run gets it.' }),
});

export type RunLockConfig = z.output<typeof RunLockConfig>;
