import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaFailure } from '../../clients/kafka/errors.js';
import { quotaEntityKey, type ItemResult } from '../../clients/kafka/admin.js';
import { TaskFailedError, UnreachableError } from '../../errors.js';
import { definePlanApplyTask, type TaskContext, type TaskOutcome, type TaskPlan, type ValidationReport } from '../types.js';
import { QuotasSection } from './config.js';
import { planQuotaChanges, unsettledQuotas, type QuotaPlanState } from './diff.js';
import { loadDesiredQuotas } from './load.js';
import { describeEntity } from './model.js';

export { QuotasSection } from './config.js';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export const quotasTask = definePlanApplyTask<typeof QuotasSection, QuotaPlanState>({
  name: 'quotas',
  phase: 'presync',
  configKey: 'quotas',
  configSchema: QuotasSection,
  description: 'Kafka client quotas (producer and consumer byte rates, request percentage, controller mutation rate) of users, client ids and user + client-id pairs.',

  async plan(ctx, section) {
    const desired = loadDesiredQuotas(section, ctx.configDir);
    const admin = ctx.clients.kafkaAdmin();
    const actual = await admin.describeClientQuotas().catch((error: unknown) => {
      throw kafkaFailure(error, ctx.config.cluster, 'read the client quotas');
    });
    const result = planQuotaChanges(desired.quotas, actual, { managedPrefixes: section.managedPrefix, deleteMode: section.delete, prune: section.prune });
    if (section.validateWithBroker && result.violations.length === 0 && result.state.alterations.length > 0) {
      const verdicts = await admin.alterClientQuotas(result.state.alterations, { validateOnly: true }).catch((error: unknown) => {
        throw kafkaFailure(error, ctx.config.cluster, 'check the quota changes with the broker');
      });
      result.violations.push(...brokerVerdicts(verdicts, result.state, desired.quotas));
    }
    const kinds = Object.values(result.state.kinds);
    return {
      task: 'quotas',
      changes: result.changes,
      violations: result.violations,
      warnings: [],
      figures: {
        declared: desired.quotas.length,
        create: kinds.filter((kind) => kind === 'create').length,
        update: kinds.filter((kind) => kind === 'update').length,
        delete: kinds.filter((kind) => kind === 'delete').length,
      },
      state: result.state,
    };
  },

  async apply(ctx, section, plan): Promise<TaskOutcome> {
    const state = plan.state!;
    const declared = plan.figures?.declared ?? 0;
    if (state.alterations.length === 0) return { summary: `no changes (${plural(declared, 'quota')} declared)`, figures: { declared }, changes: [] };
    const admin = ctx.clients.kafkaAdmin();
    const results = await admin.alterClientQuotas(state.alterations).catch((error: unknown) => {
      throw kafkaFailure(error, ctx.config.cluster, 'change the client quotas');
    });
    const refused = [...results.entries()].filter(([, result]) => !result.ok);
    const done = { create: 0, update: 0, delete: 0 };
    for (const [key, result] of results) if (result.ok && state.kinds[key]) done[state.kinds[key]] += 1;
    if (refused.length > 0) {
      const reasons = refused.map(([key, result]) => `${describeEntity(state.expected[key]?.entity ?? {})}: ${result.ok ? '' : result.error.message}`);
      throw new TaskFailedError(`the broker refused ${plural(refused.length, 'quota change')} (${reasons.join('; ')}). Applied: ${summarize(done)}.`);
    }
    await waitUntilSettled(ctx, state, section.settleTimeout);
    return { summary: summarize(done), figures: { declared, created: done.create, updated: done.update, deleted: done.delete }, changes: plan.changes };
  },

  describePlan(plan) {
    return describeQuotaPlan(plan);
  },

  async validate(ctx, section): Promise<ValidationReport> {
    const desired = loadDesiredQuotas(section, ctx.configDir);
    return { checked: [`${plural(desired.quotas.length, 'quota')} in ${plural(desired.files.length, 'file')}`], violations: [], warnings: [] };
  },
});

function brokerVerdicts(verdicts: Map<string, ItemResult>, state: QuotaPlanState, desired: ReturnType<typeof loadDesiredQuotas>['quotas']) {
  const sources = new Map(desired.map((quota) => [quotaEntityKey(quota.entity), quota.source]));
  return [...verdicts.entries()].flatMap(([key, verdict]) =>
    verdict.ok
      ? []
      : [{ resource: `quota ${describeEntity(state.expected[key]?.entity ?? {})}`, rule: 'broker-rejected', file: sources.get(key), message: `the broker refuses it: ${verdict.error.type} (${verdict.error.message}).` }],
  );
}

/**
 * Quotas reach every broker through the metadata log; the change counts once DescribeClientQuotas
 * shows it. A cluster that does not within settleTimeout (or the deadline) is exit 3.
 */
async function waitUntilSettled(ctx: TaskContext, state: QuotaPlanState, settleTimeoutMs: number): Promise<void> {
  const until = Math.min(Date.now() + settleTimeoutMs, ctx.deadline.at - 500);
  const admin = ctx.clients.kafkaAdmin();
  let pending: string[] = [];
  for (let delay = 100; ; delay = Math.min(1_000, delay * 2)) {
    const actual = await admin.describeClientQuotas().catch((error: unknown) => {
      throw kafkaFailure(error, ctx.config.cluster, 'read the client quotas back');
    });
    pending = unsettledQuotas(state, actual);
    if (pending.length === 0) return;
    if (Date.now() + delay > until) break;
    await sleep(delay, undefined, { signal: ctx.signal });
  }
  throw new UnreachableError(`the quota changes were sent and accepted, but after ${Math.round(settleTimeoutMs / 1000)} s the cluster still does not report them for ${pending.join(', ')}. Check the brokers' health and run again (quotas.settleTimeout).`);
}

function summarize(done: { create: number; update: number; delete: number }): string {
  const parts = [done.create && `${plural(done.create, 'quota')} set`, done.update && `${plural(done.update, 'quota')} changed`, done.delete && `${plural(done.delete, 'quota')} removed`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

function describeQuotaPlan(plan: Pick<TaskPlan<QuotaPlanState>, 'figures'>): string {
  const figures = plan.figures ?? {};
  const parts = [figures.create && `${plural(figures.create, 'quota')} to set`, figures.update && `${figures.update} to change`, figures.delete && `${figures.delete} to remove`].filter(Boolean);
  return parts.length > 0 ? `plan: ${parts.join(', ')}` : `no changes (${plural(figures.declared ?? 0, 'quota')} declared)`;
}
