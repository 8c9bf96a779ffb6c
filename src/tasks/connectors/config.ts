import { z } from 'zod';
import { Duration, FilePath } from '../../config/common.js';

export const ConnectorsSection = z
  .strictObject({
    files: z.array(FilePath).min(1, { message: 'name at least one file or glob' }).meta({
      description: 'Connector declarations: synchook connector files ("connectors:" list) and Strimzi KafkaConnector resources (kafka.strimzi.io/v1beta2 or v1), paths or globs.',
    }),
    managedPrefix: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .transform((value) => (Array.isArray(value) ? value : [value]))
      .optional()
      .meta({ description: 'Connector names synchook owns: a connector under it that is no longer declared is deleted (delete: managed) or stops the sync (delete: forbid).' }),
    delete: z
      .enum(['forbid', 'managed'])
      .default('forbid')
      .meta({ description: 'forbid (default): an undeclared connector under managedPrefix stops the sync. managed: it is deleted.' }),
    waitFor: Duration.prefault('2m').meta({ description: 'How long apply waits, per connector, for the connector and its tasks to reach the declared state (within the task deadline).' }),
  })
  .superRefine((section, ctx) => {
    if (section.delete === 'managed' && !section.managedPrefix) {
      ctx.addIssue({ code: 'custom', path: ['delete'], message: 'delete: managed needs managedPrefix, the names in which undeclared connectors are deleted; set managedPrefix or use delete: forbid' });
    }
  });
export type ConnectorsSection = z.output<typeof ConnectorsSection>;

export const ConnectHealthSection = z.strictObject({
  files: z.array(FilePath).min(1, { message: 'name at least one file or glob' }).optional().meta({
    description: 'The connector declarations to check, as in connectors.files; by default those of the connectors section.',
  }),
  restartFailed: z.boolean().default(false).meta({
    description: 'Restart failed connectors and tasks once (POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true), then wait for the declared state.',
  }),
  waitFor: Duration.prefault('1m').meta({ description: 'How long to wait, per connector, for the declared state.' }),
});
export type ConnectHealthSection = z.output<typeof ConnectHealthSection>;

/** How often a connector's status is read while waiting. */
export const STATUS_POLL_MS = 500;
