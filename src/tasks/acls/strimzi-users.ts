import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * KafkaUser resources of Strimzi next to synchook's config. Strimzi's User Operator makes a
 * KafkaUser's ACLs exactly its spec.authorization, and deletes every other ACL of that principal
 * at its next reconciliation (a KafkaUser without authorization loses them all): ACLs synchook
 * applies for such a principal do not last. The principal is User:<name> for SCRAM users and
 * User:CN=<name> for TLS users (Strimzi's documentation, "KafkaUser authentication").
 */
export interface StrimziUser {
  principal: string;
  name: string;
  file: string;
}

/** The KafkaUsers declared in the YAML files of the config folder. */
export function strimziUsers(configDir: string): StrimziUser[] {
  let entries: string[];
  try {
    entries = readdirSync(configDir).filter((entry) => /\.ya?ml$/.test(entry)).sort();
  } catch {
    return [];
  }
  const users: StrimziUser[] = [];
  for (const file of entries) {
    let text: string;
    try {
      text = readFileSync(join(configDir, file), 'utf8');
    } catch {
      continue;
    }
    if (!/kind:\s*KafkaUser\b/.test(text)) continue;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) continue;
      const value = doc.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; spec?: { authentication?: { type?: unknown } } } | null;
      if (value?.kind !== 'KafkaUser' || typeof value.apiVersion !== 'string' || !value.apiVersion.startsWith('kafka.strimzi.io/')) continue;
      const name = value.metadata?.name;
      if (typeof name !== 'string') continue;
      const tls = value.spec?.authentication?.type === 'tls' || value.spec?.authentication?.type === 'tls-external';
      users.push({ principal: tls ? `User:CN=${name}` : `User:${name}`, name, file });
    }
  }
  return users;
}

/**
 * One warning per managed principal that a KafkaUser in the config folder declares, unless the ACL
 * files read that KafkaUser's authorization (then synchook and the User Operator apply the same set).
 */
export function strimziOwnedWarnings(managedPrincipals: string[], configDir: string, readAsDeclarations: readonly string[] = []): string[] {
  const managed = new Set(managedPrincipals);
  const read = new Set(readAsDeclarations);
  return strimziUsers(configDir)
    .filter((user) => managed.has(user.principal) && !read.has(user.principal))
    .map(
      (user) =>
        `${user.principal} is declared by KafkaUser ${user.name} (${user.file}): Strimzi's User Operator makes its ACLs exactly the KafkaUser's authorization section and deletes the ACLs synchook applies. Declare its ACLs in the KafkaUser's spec.authorization and add its file to acls.files (synchook then applies the same ACLs), or drop the principal from acls.`,
    );
}
