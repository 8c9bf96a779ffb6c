import { definePlanApplyTask, type OfflineContext, type TaskContext, type TaskOutcome, type TaskPlan, type ValidationReport } from '../types.js';
import { applyTopicPlan, describeApplied } from './apply.js';
import { validatePlanWithBroker } from './broker-validation.js';
import { readClusterTopics } from './cluster.js';
import { TopicsSection } from './config.js';
import { planTopicChanges, type ClusterTopics, type TopicPlanResult, type TopicPlanState } from './diff.js';
import { kafkaFailure } from '../../clients/kafka.js';
import { loadTopicDeclarations, showAsyncApiSources } from './asyncapi.js';
import { isInternalTopic } from './names.js';
import { applyReassignments } from './reassignment-apply.js';
import { mergeReassignmentPlan, planReassignments } from './reassignment-plan.js';

export { TopicsSection } from './config.js';
export { loadDesiredTopics } from '../shared/topic-declarations/load.js';
export { planTopicChanges, type TopicPlanState, type ClusterTopics } from './diff.js';
;
export { inManagedScope } from './scope.js';
export { isInternalTopic } from './names.js';
;

/** Broker-side timeout of topic requests; the task deadline bounds it further. */
const REQUEST_TIMEOUT_MS = 30_000;

export const topicsTask = definePlanApplyTask<typeof TopicsSection, TopicPlanState>({
  name: 'topics',
  phase: 'presync',
  configKey: 'topics',
  configSchema: TopicsSection,
  description: 'Kafka topics declared in files (synchook format or Strimzi KafkaTopic): create, add partitions, change configs, delete under the managed prefix.',

  async plan(ctx, section) {
    const { desired, violations: conflicts, fromAsyncApi } = await loadTopicDeclarations(section, ctx.config, ctx.configDir);
    const names = desired.topics.map((topic) => topic.name);
    const cluster = await readClusterTopics(ctx.clients.kafkaAdmin(), names).catch((error: unknown) => {
      throw kafkaFailure(error, ctx.config.cluster, 'read the topics and their configs');
    });
    const result = planTopicChanges(desired.topics, cluster, {
      managedPrefixes: section.managedPrefix ?? [],
      deleteMode: section.delete,
      prune: section.prune,
      unmanaged: new Set(desired.unmanaged.map((topic) => topic.name)),
      // Without the broker's judgement, check keys against the names it listed.
      knownConfigKeys: !section.validateWithBroker && cluster.knownConfigKeys.size > 0 ? cluster.knownConfigKeys : undefined,
    });
    if (section.validateWithBroker) {
      const state = withoutRefusedTopics(result);
      const refusals = await validatePlanWithBroker({
        // Connected only when a new topic or a partition increase needs it.
        admin: () => ctx.clients.admin(),
        kafkaAdmin: ctx.clients.kafkaAdmin(),
        state,
        knownConfigKeys: cluster.knownConfigKeys,
        describableTopics: cluster.names.filter((name) => !isInternalTopic(name)),
        timeoutMs: requestTimeout(ctx),
      }).catch((error: unknown) => {
        throw kafkaFailure(error, ctx.config.cluster, 'validate the planned topic changes with the broker');
      });
      result.violations.push(...refusals);
    }
    if (section.allowReassignment) {
      const reassignments = await planReassignments({ desired: desired.topics, result, kafkaAdmin: ctx.clients.kafkaAdmin(), timeoutMs: requestTimeout(ctx) }).catch((error: unknown) => {
        throw kafkaFailure(error, ctx.config.cluster, 'read the partition reassignments and replica placement');
      });
      mergeReassignmentPlan(result, reassignments);
    }
    result.violations.push(...conflicts);
    showAsyncApiSources(result.changes, fromAsyncApi);
    result.violations.sort((a, b) => a.resource.localeCompare(b.resource));
    return {
      task: 'topics',
      changes: result.changes,
      violations: result.violations,
      warnings: [...desired.warnings, ...result.warnings],
      figures: planFigures(result.state, desired.topics.length),
      state: result.state,
    };
  },

  async apply(ctx, section, plan): Promise<TaskOutcome> {
    const state = plan.state!;
    const declared = plan.figures?.declared ?? 0;
    if (plan.changes.length === 0) {
      return { summary: `no changes (${declared} topic${declared === 1 ? '' : 's'} declared)`, figures: { declared }, changes: [] };
    }
    const admin = await ctx.clients.admin();
    const result = await applyTopicPlan({
      admin,
      kafkaAdmin: ctx.clients.kafkaAdmin(),
      state,
      requestTimeoutMs: requestTimeout(ctx),
      settleTimeoutMs: section.settleTimeout,
      signal: ctx.signal,
      log: ctx.log,
      recorder: ctx.applied,
    }).catch((error: unknown) => {
      throw kafkaFailure(error, ctx.config.cluster, 'apply the topic changes');
    });
    const reassigned = await applyReassignments({
      kafkaAdmin: ctx.clients.kafkaAdmin(),
      reassignments: state.reassignments ?? [],
      throttle: section.reassignment.throttle,
      waitTimeoutMs: Math.min(section.reassignment.timeout, ctx.deadline.remaining()),
      requestTimeoutMs: requestTimeout(ctx),
      signal: ctx.signal,
      log: ctx.log,
    }).catch((error: unknown) => {
      throw kafkaFailure(error, ctx.config.cluster, 'reassign the partitions');
    });
    return {
      summary: reassigned.partitions > 0 ? `${describeApplied(result)}, ${reassigned.partitions} partition${reassigned.partitions === 1 ? '' : 's'} reassigned` : describeApplied(result),
      figures: {
        reassigned: reassigned.partitions,
        declared,
        created: result.created.length,
        alreadyExisted: result.alreadyExisted.length,
        partitionsIncreased: result.partitionsIncreased.length,
        configsChanged: result.configsChanged.length,
        deleted: result.deleted.length,
      },
      changes: plan.changes,
    };
  },

  describePlan(plan) {
    return describeTopicPlan(plan);
  },

  async validate(ctx: OfflineContext, section): Promise<ValidationReport> {
    const { desired, violations: conflicts } = await loadTopicDeclarations(section, ctx.config, ctx.configDir);
    // Offline: the cluster is unknown, so every topic counts as new and nothing as undeclared.
    const offline: ClusterTopics = { names: [], topics: new Map() };
    const result = planTopicChanges(desired.topics, offline, { managedPrefixes: section.managedPrefix ?? [], deleteMode: section.delete, prune: section.prune });
    result.violations.push(...conflicts);
    const strimzi = desired.topics.filter((topic) => topic.format.startsWith('kafka.strimzi.io')).length;
    return {
      checked: [`${desired.topics.length} topic${desired.topics.length === 1 ? '' : 's'} in ${desired.files.length} file${desired.files.length === 1 ? '' : 's'}${strimzi ? ` (${strimzi} from Strimzi KafkaTopic resources)` : ''}`],
      violations: result.violations,
      warnings: [...desired.warnings, ...result.warnings],
    };
  },
});

function requestTimeout(ctx: TaskContext): number {
  return Math.max(1_000, Math.min(REQUEST_TIMEOUT_MS, ctx.deadline.remaining()));
}

/** Violations after which asking the broker about the topic tells nothing new. */
const SETTLED_RULES = new Set(['invalid-topic-name', 'outside-managed-scope', 'topic-name-collision', 'unknown-config-key', 'replication-factor-above-brokers']);

/** The plan minus topics the broker need not judge: every other problem is reported in the same run. */
function withoutRefusedTopics(result: TopicPlanResult): TopicPlanState {
  const refused = new Set(result.violations.filter((violation) => SETTLED_RULES.has(violation.rule ?? '')).map((violation) => violation.resource.replace(/^topic /, '')));
  return {
    creates: result.state.creates.filter((item) => !refused.has(item.name)),
    partitionIncreases: result.state.partitionIncreases.filter((item) => !refused.has(item.name)),
    configChanges: result.state.configChanges.filter((item) => !refused.has(item.name)),
    deletes: result.state.deletes,
  };
}

function planFigures(state: TopicPlanState, declared: number): Record<string, number> {
  return {
    declared,
    create: state.creates.length,
    partitions: state.partitionIncreases.length,
    config: state.configChanges.length,
    delete: state.deletes.length,
    reassign: state.reassignments?.length ?? 0,
  };
}

function describeTopicPlan(plan: Pick<TaskPlan<TopicPlanState>, 'figures' | 'changes'>): string {
  const figures = plan.figures ?? {};
  const parts = [
    figures.create && `${figures.create} topic${figures.create === 1 ? '' : 's'} to create`,
    figures.partitions && `${figures.partitions} to get more partitions`,
    figures.config && `${figures.config} config change${figures.config === 1 ? '' : 's'}`,
    figures.delete && `${figures.delete} to delete`,
    figures.reassign && `${figures.reassign} to reassign`,
  ].filter(Boolean);
  const declared = figures.declared ?? 0;
  return parts.length > 0 ? `plan: ${parts.join(', ')}` : `no changes (${declared} topic${declared === 1 ? '' : 's'} declared)`;
}
