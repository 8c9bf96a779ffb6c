import { z } from 'zod';
import { DeclarationFiles, DeleteMode, Duration, NamePrefixes } from '../../config/common.js';

export const QuotasSection = z
  .strictObject({
    files: DeclarationFiles.meta({ description: 'Client quota declaration files or globs (quotas/*.yaml), relative to the config file.' }),
    managedPrefix: NamePrefixes.optional().meta({ description: 'The user names and client ids this config owns ("orders-" or a list). Quotas on entities inside it that are not declared are deletion candidates; without it no quota is ever removed from an undeclared entity.' }),
    delete: DeleteMode.meta({ description: 'forbid (default): a quota on an entity under managedPrefix that is no longer declared stops the sync. managed: it is removed.' }),
    prune: z.boolean().default(false).meta({ description: 'Remove quota keys set on a declared entity but not declared (removed from the file, or set by hand). Off: such keys are left alone.' }),
    validateWithBroker: z.boolean().default(true).meta({ description: 'Let the broker judge the changes in the plan (a validate-only AlterClientQuotas). Off: only local checks.' }),
    settleTimeout: Duration.prefault('30s').meta({ description: 'How long apply waits until the cluster reports the new quotas (they reach every broker through the metadata log).' }),
  })
  .superRefine((section, ctx) => {
    if (section.delete === 'managed' && !section.managedPrefix) {
      ctx.addIssue({ code: 'custom', path: ['delete'], message: 'delete: managed needs managedPrefix, the user names and client ids in which undeclared quotas are removed; set managedPrefix or use delete: forbid' });
    }
  });
export type QuotasSection = z.output<typeof QuotasSection>;
