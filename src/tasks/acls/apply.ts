import { throwFirstRefusal, type KafkaAdmin } from '../../clients/kafka/admin.js';
import { TaskFailedError } from '../../errors.js';
import { chunk, sleep } from '../shared/batch.js';
import { exactFilter, readClusterAcls, toAclEntry } from './cluster.js';
import type { AclPlanState } from './diff.js';
import type { ApplyRecorder } from '../types.js';
import { aclKey, aclResource, describeAcl } from './model.js';

/** ACL bindings per CreateAcls / DeleteAcls request. */
const ACL_BATCH_SIZE = 1_000;
const POLL_MS = 150;

export interface ApplyAclsInput {
  admin: KafkaAdmin;
  state: AclPlanState;
  /** How long to wait until the broker's authorizer shows the changes, in ms. */
  settleTimeoutMs: number;
  signal: AbortSignal;
  /** Where each change the broker confirms is recorded as it comes. */
  recorder?: ApplyRecorder;
}

export interface AclApplyResult {
  created: number;
  deleted: number;
}

/**
 * Creates and deletes ACLs in batched requests, then waits until the broker's authorizer shows
 * them: the controller answers once the change is committed, before brokers enforce it, and the
 * application deployed next must not be refused. Errors from the requests propagate, with the
 * counts applied so far on `applied`.
 */
export async function applyAclPlan(input: ApplyAclsInput, applied: AclApplyResult = { created: 0, deleted: 0 }): Promise<AclApplyResult> {
  const { admin, state, signal } = input;
  for (const batch of chunk(state.creates, ACL_BATCH_SIZE)) {
    if (signal.aborted) throw signal.reason;
    // Creating an ACL that exists already is a no-op in Kafka, so a concurrent run does no harm.
    input.recorder?.sent(batch.map(aclResource));
    const results = await admin.createAcls(batch.map(toAclEntry));
    batch.forEach((binding, index) => {
      if (!results[index]?.ok) return;
      applied.created += 1;
      input.recorder?.confirmed(aclResource(binding));
    });
    input.recorder?.answered(batch.map(aclResource));
    throwFirstRefusal(results);
  }
  for (const batch of chunk(state.deletes, ACL_BATCH_SIZE)) {
    if (signal.aborted) throw signal.reason;
    input.recorder?.sent(batch.map(aclResource));
    const results = await admin.deleteAcls(batch.map(exactFilter));
    batch.forEach((binding, index) => {
      if (!results[index]?.ok) return;
      applied.deleted += 1;
      input.recorder?.confirmed(aclResource(binding));
    });
    input.recorder?.answered(batch.map(aclResource));
    throwFirstRefusal(results);
  }
  await waitForAuthorizer(admin, state, input.settleTimeoutMs, signal);
  return applied;
}

async function waitForAuthorizer(admin: KafkaAdmin, state: AclPlanState, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const present = new Set((await readClusterAcls(admin)).bindings.map(aclKey));
    const missing = state.creates.filter((binding) => !present.has(aclKey(binding)));
    const lingering = state.deletes.filter((binding) => present.has(aclKey(binding)));
    if (missing.length === 0 && lingering.length === 0) return;
    if (Date.now() >= until || signal.aborted) {
      const example = describeAcl((missing[0] ?? lingering[0])!);
      throw new TaskFailedError(
        `acls: the ACL changes were accepted, but after ${Math.round(timeoutMs / 1000)} s the broker still shows ${missing.length} ACL${missing.length === 1 ? '' : 's'} missing and ${lingering.length} not yet deleted (e.g. ${example}); check the brokers' health and run again.`,
      );
    }
    await sleep(POLL_MS, signal);
  }
}
