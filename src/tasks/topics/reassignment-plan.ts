/**
 * Replication-factor changes of existing topics, planned as partition reassignments when
 * topics.allowReassignment is on (otherwise the diff's `replication-factor-change` violation
 * stands), and reassignments already in progress on declared topics (an earlier run stopped while
 * replicas moved, or another tool): the plan waits for them rather than ignoring them.
 */
import type { KafkaAdmin, OngoingPartitionReassignment } from '../../clients/kafka/admin.js';
import type { PlannedChange, Violation } from '../types.js';
import { replicationFactorOf } from './cluster.js';
import type { TopicPlanResult } from './diff.js';
import type { DesiredTopic, PartitionMove, TopicReassignment } from './model.js';
import { placeReplicas } from './replica-placement.js';

export interface ReassignmentPlan {
  reassignments: TopicReassignment[];
  changes: PlannedChange[];
  violations: Violation[];
  /** Topics whose `replication-factor-change` violation the reassignments replace. */
  planned: Set<string>;
}

const RULE_CHANGE = 'replication-factor-change';

/**
 * Plans the reassignments of the declared topics that exist. Sends one ListPartitionReassignments
 * and, when a replication factor changes, one Metadata request for those topics (replicas, brokers
 * and racks).
 */
export async function planReassignments(input: {
  desired: readonly DesiredTopic[];
  result: TopicPlanResult;
  kafkaAdmin: KafkaAdmin;
  timeoutMs: number;
}): Promise<ReassignmentPlan> {
  const plan: ReassignmentPlan = { reassignments: [], changes: [], violations: [], planned: new Set() };
  const changing = new Set(input.result.violations.filter((violation) => violation.rule === RULE_CHANGE).map((violation) => violation.resource.replace(/^topic /, '')));
  const declared = new Map(input.desired.map((topic) => [topic.name, topic]));
  const ongoing = await input.kafkaAdmin.listPartitionReassignments(null, { timeoutMs: input.timeoutMs });

  for (const [name, partitions] of [...ongoing].sort(([a], [b]) => a.localeCompare(b))) {
    const topic = declared.get(name);
    if (!topic) continue;
    const target = replicationFactorOf(partitions.map((partition) => partition.replicas.length - partition.removingReplicas.length));
    const current = replicationFactorOf(partitions.map((partition) => partition.replicas.length - partition.addingReplicas.length));
    if (topic.replicationFactor !== undefined && topic.replicationFactor !== target) {
      plan.violations.push({
        resource: `topic ${name}`,
        rule: 'reassignment-in-progress',
        message: `a reassignment of ${count(partitions.length, 'partition')} to replication factor ${target} is in progress, so the replication factor cannot change to ${topic.replicationFactor} now. Run again once it has finished, or cancel it (kafka-reassign-partitions --cancel).`,
        file: topic.fieldSources?.replicationFactor ?? topic.source,
      });
      plan.planned.add(name);
      continue;
    }
    plan.reassignments.push({ topic: name, from: current, to: target, moves: partitions.map(ongoingMove), inProgress: true });
    plan.changes.push({
      action: 'update',
      resource: `topic ${name}`,
      detail: `reassignment in progress: replication factor ${current} → ${target} (${count(partitions.length, 'partition')} moving); wait for it`,
      lines: partitions.map((partition) => describeMove(ongoingMove(partition))),
    });
    plan.planned.add(name);
  }

  const toPlace = [...changing].filter((name) => !plan.planned.has(name) && declared.get(name)?.replicationFactor !== undefined).sort();
  if (toPlace.length === 0) return plan;
  const { brokers, topics } = await input.kafkaAdmin.topicPlacement(toPlace);
  for (const name of toPlace) {
    const topic = declared.get(name)!;
    const metadata = topics.get(name);
    if (!metadata?.ok) continue;
    const wanted = topic.replicationFactor!;
    const from = replicationFactorOf(metadata.partitions.map((partition) => partition.replicas.length));
    plan.planned.add(name);
    if (wanted > brokers.length) {
      plan.violations.push({
        resource: `topic ${name}`,
        rule: 'replication-factor-above-brokers',
        message: `replication factor ${from} → ${wanted} needs ${wanted} brokers, and the cluster has ${count(brokers.length, 'broker')}. Lower replicationFactor to at most ${brokers.length}.`,
        file: topic.fieldSources?.replicationFactor ?? topic.source,
      });
      continue;
    }
    const placement = placeReplicas(metadata.partitions, brokers, wanted);
    const moves = placement
      .map((item) => ({ partition: item.partition, current: [...metadata.partitions.find((partition) => partition.partition === item.partition)!.replicas], target: [...item.replicas] }))
      .filter((move) => move.current.join() !== move.target.join());
    plan.reassignments.push({ topic: name, from, to: wanted, moves, inProgress: false });
    plan.changes.push({
      action: 'update',
      resource: `topic ${name}`,
      detail: `replication factor ${from} → ${wanted} (reassignment of ${count(moves.length, 'partition')})`,
      lines: moves.map(describeMove),
    });
  }
  return plan;
}

/** Folds a reassignment plan into the topic plan: its changes and violations in, the replaced violations out. */
export function mergeReassignmentPlan(result: TopicPlanResult, plan: ReassignmentPlan): void {
  result.violations = result.violations.filter((violation) => !(violation.rule === RULE_CHANGE && plan.planned.has(violation.resource.replace(/^topic /, ''))));
  result.violations.push(...plan.violations);
  result.violations.sort((a, b) => a.resource.localeCompare(b.resource));
  result.changes.push(...plan.changes);
  result.changes.sort((a, b) => a.resource.localeCompare(b.resource));
  result.state.reassignments = plan.reassignments;
}

function ongoingMove(partition: OngoingPartitionReassignment): PartitionMove {
  const adding = new Set(partition.addingReplicas);
  const removing = new Set(partition.removingReplicas);
  return {
    partition: partition.partition,
    current: partition.replicas.filter((id) => !adding.has(id)),
    target: partition.replicas.filter((id) => !removing.has(id)),
  };
}

function describeMove(move: PartitionMove): string {
  return `partition ${move.partition}: replicas ${move.current.join(',')} → ${move.target.join(',')}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
