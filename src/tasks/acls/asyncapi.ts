import { loadAsyncApiDeclarations } from '../../asyncapi/index.js';
import { ConfigError } from '../../errors.js';
import type { Violation } from '../types.js';
import type { AclsSection } from './config.js';
import { expandAppAcls, loadDesiredAcls, type DesiredAcls } from './load.js';
import { aclKey, describeAcl, type AclBinding, type DesiredAcl } from './model.js';

/**
 * The ACLs of the section's files and of the config's AsyncAPI documents: each operation is an
 * application (send: produces its channels' topics; receive: consumes them, in the groups its
 * Kafka binding's groupId names), expanded exactly as the files' application form is. A binding
 * both places declare is one ACL; the same binding allowed in one place and denied in the other
 * is a violation naming both.
 */
export async function loadAclDeclarations(section: Pick<AclsSection, 'files'>, config: { asyncapi?: unknown }, configDir: string): Promise<{ desired: DesiredAcls; violations: Violation[] }> {
  const pending = loadAsyncApiDeclarations(config, configDir);
  if (!section.files && !pending) throw new ConfigError('acls.files: list the ACL files (acls/*.yaml), or declare asyncapi.documents, so the acls task has ACLs to manage.');
  const desired = loadDesiredAcls(section, configDir);
  const violations: Violation[] = [];
  if (!pending) return { desired, violations };
  const declarations = await pending;
  desired.files.push(...declarations.documents);
  const byKey = new Map(desired.acls.map((acl) => [aclKey(acl.binding), acl]));
  const byRule = new Map(desired.acls.map((acl) => [ruleKey(acl.binding), acl]));
  const principals = new Set(desired.principals);
  for (const app of declarations.applications) {
    const expansion = expandAppAcls({ principal: app.principal, host: '*', produces: app.produces, consumes: app.consumes, groups: app.groups, transactionalIds: [], idempotent: false });
    desired.applications.push({ principal: app.principal, source: app.source, acls: expansion.acls.length });
    desired.warnings.push(...expansion.warnings.map((warning) => `${app.source}: ${warning.replace(/Add groups: \[\.\.\.\] if/, 'Give the operation a Kafka binding groupId if')}`));
    principals.add(app.principal);
    for (const acl of expansion.acls) {
      const reasons = acl.reasons.map((reason) => `${reason} from ${app.source}`);
      const same = byKey.get(aclKey(acl.binding));
      if (same) {
        for (const reason of reasons) if (!same.reasons.includes(reason)) same.reasons.push(reason);
        continue;
      }
      const opposite = byRule.get(ruleKey(acl.binding));
      if (opposite) {
        violations.push({
          resource: `acl ${describeAcl(acl.binding)}`,
          rule: 'asyncapi-conflict',
          message: `${app.source} needs ${describeAcl(acl.binding)}, but ${opposite.source} declares ${describeAcl(opposite.binding)}. Declare the ACL in one place, or make both say the same.`,
          file: opposite.source,
        });
        continue;
      }
      const added: DesiredAcl = { binding: acl.binding, source: app.source, reasons };
      desired.acls.push(added);
      byKey.set(aclKey(acl.binding), added);
      byRule.set(ruleKey(acl.binding), added);
    }
  }
  desired.principals = [...principals];
  return { desired, violations };
}

/** A binding without its permission: ALLOW and DENY of the same rule clash. */
function ruleKey(binding: AclBinding): string {
  return aclKey({ ...binding, permission: 'ALLOW' });
}
