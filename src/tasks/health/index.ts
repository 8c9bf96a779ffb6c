import { createKafkaAdmin } from '../../clients/kafka/admin.js';
import { ConfigError } from '../../errors.js';
import { loadDesiredTopics } from '../shared/topic-declarations/load.js';
import { defineCheckTask, type TaskContext, type ValidationReport } from '../types.js';
import { HealthSection } from './config.js';
import { checkGroup } from './groups.js';
import { healthOutcome } from './report.js';
import { judgeTopics, readTopicStates, type TopicCheck } from './topics.js';

/** Time kept back from the group waits so the task reports before its deadline. */
const REPORT_MARGIN_MS = 1_500;

/** The topics to check: the section's own list, plus the topics section's declarations when asked. */
function topicChecks(ctx: Pick<TaskContext, 'config' | 'configDir'>, section: HealthSection): TopicCheck[] {
  const checks: TopicCheck[] = section.topics.map((topic, index) => ({ ...topic, source: `health.topics[${index}]` }));
  if (!section.fromTopicsSection) return checks;
  const topicsSection = ctx.config.topics;
  if (topicsSection === undefined) throw new ConfigError('health.fromTopicsSection is true, but the config has no topics section. Add the topics section or list health.topics.');
  const desired = loadDesiredTopics(topicsSection, ctx.configDir);
  const listed = new Set(checks.map((check) => check.name));
  for (const topic of desired.topics) {
    if (listed.has(topic.name)) continue;
    checks.push({ name: topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor, source: topic.source });
  }
  return checks;
}

export const healthTask = defineCheckTask({
  name: 'health',
  phase: 'postsync',
  configKey: 'health',
  configSchema: HealthSection,
  description: "PostSync health: declared topics exist with their partitions, no offline or under-replicated partitions, the application's consumer groups are Stable with lag within bounds.",

  async validate(ctx, section): Promise<ValidationReport> {
    const checks = topicChecks(ctx, section);
    return { checked: [`health: ${checks.length} topics, ${section.consumerGroups.length} consumer groups`], violations: [], warnings: [] };
  },

  async run(ctx, section) {
    const cluster = ctx.config.cluster;
    if (!cluster) throw new ConfigError('the health task needs Kafka, but the config has no cluster section. Add cluster.brokers.');
    const checks = topicChecks(ctx, section);
    // Its own admin: fresh metadata on every run (a shared one caches the partition lists ListOffsets uses).
    const admin = createKafkaAdmin(ctx.clients.kafka(), { retries: cluster.retries });
    try {
      const states = await readTopicStates(admin, checks.map((check) => check.name), cluster, ctx.signal);
      const topics = judgeTopics(checks, states, section.underReplicated);
      const until = ctx.deadline.at - REPORT_MARGIN_MS;
      const groups = await Promise.all(section.consumerGroups.map((expectation) => checkGroup(admin, expectation, { cluster, signal: ctx.signal, until })));
      return healthOutcome(checks, topics, groups);
    } finally {
      await admin.close();
    }
  },
});
