import { describe, expect, it } from 'vitest';
import { placeReplicas, type PlacementBroker } from '../../../src/tasks/topics/replica-placement.js';

const threeBrokersTwoRacks: PlacementBroker[] = [
  { nodeId: 1, rack: 'rack-a' },
  { nodeId: 2, rack: 'rack-a' },
  { nodeId: 3, rack: 'rack-b' },
];

function leaderCounts(placement: Array<{ replicas: readonly number[] }>): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { replicas } of placement) counts[replicas[0]!] = (counts[replicas[0]!] ?? 0) + 1;
  return counts;
}

describe('placeReplicas', () => {
  it('grows 1 → 3 keeping every current replica and spreading the preferred leaders', () => {
    const partitions = [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, replicas: [1 + (partition % 3)] }));
    const placement = placeReplicas(partitions, threeBrokersTwoRacks, 3);
    expect(placement.map((item) => [...item.replicas].sort())).toEqual(partitions.map(() => [1, 2, 3]));
    expect(leaderCounts(placement)).toEqual({ 1: 2, 2: 2, 3: 2 });
    // Where it can, a partition keeps its leader (no leader movement).
    expect(placement.map((item) => item.replicas[0])).toEqual(partitions.map((item) => item.replicas[0]));
  });

  it('spreads leaders that all sit on one broker', () => {
    const partitions = [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, replicas: [1] }));
    const placement = placeReplicas(partitions, threeBrokersTwoRacks, 3);
    expect(leaderCounts(placement)).toEqual({ 1: 2, 2: 2, 3: 2 });
  });

  it('grows 1 → 2 onto the other rack', () => {
    const partitions = [0, 1, 2, 3].map((partition) => ({ partition, replicas: [partition % 2 === 0 ? 1 : 2] }));
    const placement = placeReplicas(partitions, threeBrokersTwoRacks, 2);
    for (const item of placement) expect(new Set(item.replicas.map((id) => threeBrokersTwoRacks.find((broker) => broker.nodeId === id)!.rack)).size).toBe(2);
  });

  it('shrinks 3 → 2 keeping a replica on each rack and moving no data', () => {
    const partitions = [0, 1, 2].map((partition) => ({ partition, replicas: [[1, 2, 3], [2, 1, 3], [3, 1, 2]][partition]! }));
    const placement = placeReplicas(partitions, threeBrokersTwoRacks, 2);
    for (const [index, item] of placement.entries()) {
      expect(item.replicas).toHaveLength(2);
      expect(item.replicas.every((id) => partitions[index]!.replicas.includes(id))).toBe(true);
      expect(item.replicas).toContain(3);
    }
  });

  it('balances replicas without racks', () => {
    const brokers = [1, 2, 3, 4].map((nodeId) => ({ nodeId, rack: null }));
    const partitions = [0, 1, 2, 3].map((partition) => ({ partition, replicas: [1] }));
    const placement = placeReplicas(partitions, brokers, 2);
    const load: Record<number, number> = {};
    for (const item of placement) for (const id of item.replicas) load[id] = (load[id] ?? 0) + 1;
    expect(load[1]).toBe(4);
    expect([load[2], load[3], load[4]].sort()).toEqual([1, 1, 2]);
  });

  it('refuses more replicas than brokers', () => {
    expect(() => placeReplicas([{ partition: 0, replicas: [1] }], threeBrokersTwoRacks, 4)).toThrow(/needs 4 brokers; 3 available/);
  });
});
