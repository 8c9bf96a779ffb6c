/**
 * Where the replicas of a topic go when its replication factor changes. Pure: the same partitions
 * and brokers give the same placement.
 *
 * - Moves as little data as possible: a partition keeps the replicas it has (growing) or keeps
 *   a subset of them (shrinking); only the difference moves.
 * - Respects racks when the brokers have them: a new replica goes to a rack the partition is not
 *   on yet whenever one is left, and a shrinking partition drops replicas from racks it has twice.
 * - Spreads the load: among equal choices, the broker with the fewest replicas of the topic.
 * - Spreads leaders: the first replica of each partition (its preferred leader) is the one of its
 *   replicas that leads the fewest partitions so far, the current leader when that is a tie.
 */
export interface PlacementBroker {
  nodeId: number;
  /** broker.rack; null when the broker has none. */
  rack: string | null;
}

export interface PartitionReplicas {
  partition: number;
  /** Current replicas, the preferred leader first. */
  replicas: readonly number[];
}

/** The new replica list of every partition, in partition order. */
export function placeReplicas(partitions: readonly PartitionReplicas[], brokers: readonly PlacementBroker[], replicationFactor: number): PartitionReplicas[] {
  if (replicationFactor > brokers.length) throw new Error(`replication factor ${replicationFactor} needs ${replicationFactor} brokers; ${brokers.length} available`);
  const rackOf = new Map(brokers.map((broker) => [broker.nodeId, broker.rack]));
  const ordered = [...partitions].sort((a, b) => a.partition - b.partition);
  const load = new Map<number, number>(brokers.map((broker) => [broker.nodeId, 0]));
  const leaders = new Map<number, number>(brokers.map((broker) => [broker.nodeId, 0]));
  // Replicas that stay count towards the load before any new one is placed.
  const kept = ordered.map((partition) => keepReplicas(partition.replicas.filter((id) => rackOf.has(id)), replicationFactor, rackOf, load));
  for (const replicas of kept) for (const id of replicas) load.set(id, load.get(id)! + 1);

  return ordered.map((partition, index) => {
    const replicas = [...kept[index]!];
    while (replicas.length < replicationFactor) {
      const racksUsed = new Set(replicas.map((id) => rackOf.get(id)));
      const candidates = brokers
        .map((broker) => broker.nodeId)
        .filter((id) => !replicas.includes(id))
        .sort((a, b) => Number(racksUsed.has(rackOf.get(a))) - Number(racksUsed.has(rackOf.get(b))) || load.get(a)! - load.get(b)! || a - b);
      const chosen = candidates[0]!;
      replicas.push(chosen);
      load.set(chosen, load.get(chosen)! + 1);
    }
    const current = partition.replicas[0];
    const leader = [...replicas].sort((a, b) => leaders.get(a)! - leaders.get(b)! || Number(b === current) - Number(a === current) || a - b)[0]!;
    leaders.set(leader, leaders.get(leader)! + 1);
    return { partition: partition.partition, replicas: [leader, ...replicas.filter((id) => id !== leader)] };
  });
}

/** The current replicas a partition keeps: all when growing; when shrinking, the leader and then one per rack first. */
function keepReplicas(replicas: readonly number[], replicationFactor: number, rackOf: ReadonlyMap<number, string | null>, load: ReadonlyMap<number, number>): number[] {
  if (replicas.length <= replicationFactor) return [...replicas];
  const keep = replicas.slice(0, 1);
  const rest = replicas.slice(1);
  while (keep.length < replicationFactor) {
    const racksUsed = new Set(keep.map((id) => rackOf.get(id)));
    rest.sort((a, b) => Number(racksUsed.has(rackOf.get(a))) - Number(racksUsed.has(rackOf.get(b))) || load.get(a)! - load.get(b)! || replicas.indexOf(a) - replicas.indexOf(b));
    keep.push(rest.shift()!);
  }
  return keep;
}
