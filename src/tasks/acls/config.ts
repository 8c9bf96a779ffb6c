import { z } from 'zod';
import { DeclarationFiles, DeleteMode, NonEmptyString } from '../../config/common.js';
import { principalProblem } from './model.js';

const Principal = NonEmptyString.superRefine((value, ctx) => {
  const problem = principalProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const AclsSection = z.strictObject({
  files: DeclarationFiles.optional().meta({ description: 'ACL declaration files or globs (acls/*.yaml), relative to the config file: explicit ACLs and applications. May be left out when asyncapi.documents declare the applications.' }),
  managedPrincipals: z
    .array(Principal)
    .min(1, { error: 'list at least one principal, or remove the key to manage the principals the files declare' })
    .optional()
    .meta({ description: 'The principals whose ACLs this config owns (User:orders-app). Default: every principal the files declare. ACLs of other principals are never touched.' }),
  delete: DeleteMode.meta({ description: 'forbid (default): an ACL of a managed principal that is no longer declared stops the sync. managed: it is deleted.' }),
});
export type AclsSection = z.output<typeof AclsSection>;
