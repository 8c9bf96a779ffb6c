import { hostname } from 'node:os';
import { AssignerProtocol, type Admin, type Consumer, type Kafka, type PartitionAssigner } from 'kafkajs';
import type { ClusterConfig } from '../config/common.js';
import { SynchookError, TaskFailedError, UnreachableError, messageOf } from '../errors.js';
import { classifyKafkaError, kafkaFailure } from './kafka/errors.js';
import { formatDuration } from '../duration.js';
import type { Logger } from '../log.js';
import { settleWithin, sleep } from '../timing.js';

/**
 * The run lock, held in Kafka: a consumer group per lock name, subscribed to a one-partition topic,
 * is a mutex whose owner is the member assigned partition 0.
 *
 * - The group coordinator (classic protocol, KIP-62 sessions) removes a member that stops
 *   heartbeating after its session timeout: the lease. A killed holder's lock passes on then.
 * - The assignment is computed by the group's leader with the assigner below, the same code in
 *   every member: the incumbent holder keeps partition 0 through every rebalance a newcomer
 *   causes; with no holder, the member waiting longest gets it.
 * - Each member's join metadata (userData, Kafka's ConsumerProtocol subscription) says who it is:
 *   revision, pod, host, pid, since when. A waiting run reads it with DescribeGroups to name the holder.
 * - A holder that has seen no successful heartbeat for a lease must assume the coordinator expelled
 *   it and that another run holds the lock: it reports the lock lost and its run stops.
 */

export interface RunLockIdentity {
  revision?: string;
  pod?: string;
  host: string;
  pid: number;
}

/** What each member announces in its group metadata. */
interface MemberClaim extends RunLockIdentity {
  /** ISO time this member started waiting. */
  waitingSince: string;
  /** ISO time this member was granted the lock, while it holds it. */
  heldSince?: string;
}

export interface RunLockOptions {
  /** A client of its own: the lock's group traffic stays apart from the tasks' requests. */
  kafka: Kafka;
  /** What the lock guards (the managed prefix); runs with the same name exclude each other. */
  name: string;
  topic: string;
  leaseMs: number;
  /** How long to wait for a holder to finish; 0 fails at once. */
  waitMs: number;
  identity: RunLockIdentity;
  log: Logger;
  /** Aborting stops the wait (SIGTERM). */
  signal?: AbortSignal;
  now?: () => number;
  /** The cluster section, for messages that name the brokers and the SASL user. */
  cluster?: ClusterConfig;
}

export interface HeldRunLock {
  readonly name: string;
  /** Aborted with an UnreachableError when the lock is lost while the run holds it. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

const PROTOCOL_NAME = 'synchook-run-lock';
const LOCK_PARTITION = 0;
const RELEASE_TIMEOUT_MS = 5_000;
const HEARTBEAT_MS = 1_000;
/**
 * Time to join the group on top of lock.wait: the coordinator delays the first join of an empty
 * group (group.initial.rebalance.delay.ms, 3 s by default) and waits for every member to rejoin.
 */
const JOIN_ALLOWANCE_MS = 5_000;

function lockGroupId(name: string): string {
  return `synchook-lock.${name}`;
}

/**
 * Who holds the lock after a rebalance: a member that says it holds keeps it (the most recently
 * granted one if a member expelled by the coordinator still claims it: the newer grant wins);
 * otherwise the member that has waited longest.
 */
function chooseHolder(members: Array<{ memberId: string; claim?: MemberClaim }>): string | undefined {
  const order = (a: string | undefined, b: string | undefined) => (a ?? '').localeCompare(b ?? '');
  const holding = members.filter((member) => member.claim?.heldSince).sort((a, b) => order(b.claim!.heldSince, a.claim!.heldSince) || order(a.memberId, b.memberId));
  if (holding.length > 0) return holding[0]!.memberId;
  const waiting = [...members].sort((a, b) => order(a.claim?.waitingSince ?? '~', b.claim?.waitingSince ?? '~') || order(a.memberId, b.memberId));
  return waiting[0]?.memberId;
}

function parseClaim(userData: Buffer | null | undefined): MemberClaim | undefined {
  if (!userData || userData.length === 0) return undefined;
  try {
    const value = JSON.parse(userData.toString('utf8')) as Partial<MemberClaim>;
    if (typeof value.waitingSince !== 'string' || typeof value.host !== 'string') return undefined;
    return value as MemberClaim;
  } catch {
    return undefined;
  }
}

/** "revision 1a2b3c4 on pod synchook-presync-x (host h, pid 7) since 10:31:02 UTC (4 min ago)" */
function describeHolder(claim: MemberClaim | undefined, now: number): string {
  if (!claim) return 'another synchook run (it did not say which)';
  const revision = claim.revision ? `revision ${claim.revision.slice(0, 12)}` : 'an unknown revision';
  const where = claim.pod ? `pod ${claim.pod} (host ${claim.host}, pid ${claim.pid})` : `host ${claim.host} (pid ${claim.pid})`;
  const since = claim.heldSince ?? claim.waitingSince;
  const ago = Number.isFinite(Date.parse(since)) ? ` (${formatDuration(Math.max(0, now - Date.parse(since)))} ago)` : '';
  return `${revision} on ${where} since ${since}${ago}`;
}

function lockAssigner(topic: string, claim: () => MemberClaim): PartitionAssigner {
  return () => ({
    name: PROTOCOL_NAME,
    version: 1,
    async assign({ members }) {
      const decoded = members.map((member) => ({ memberId: member.memberId, claim: parseClaim(AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.userData) }));
      const holder = chooseHolder(decoded);
      return members.map((member) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: member.memberId === holder ? { [topic]: [LOCK_PARTITION] } : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: PROTOCOL_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(claim())) }) };
    },
  });
}

/** The topic the lock group subscribes to: one partition, created when missing. */
async function ensureLockTopic(admin: Admin, topic: string): Promise<void> {
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) await createLockTopic(admin, topic);
  await waitForLockTopicLeader(admin, topic);
}

async function createLockTopic(admin: Admin, topic: string): Promise<void> {
  try {
    // kafkajs's own leader wait gives up at once on "does not host this topic-partition", which a
    // broker still publishing earlier work answers for a while: wait for the leader here instead.
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: -1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: false });
  } catch (error) {
    const type = (error as { type?: string; errors?: Array<{ type?: string }> }).errors?.[0]?.type ?? (error as { type?: string }).type;
    if (type === 'TOPIC_ALREADY_EXISTS') return;
    if (type === 'TOPIC_AUTHORIZATION_FAILED' || type === 'CLUSTER_AUTHORIZATION_FAILED') {
      // A permission synchook's own principal lacks: exit 1, as for every task (see clients/kafka/errors.ts).
      throw new TaskFailedError(`run lock: synchook may not create the lock topic ${topic} (lock.topic; Kafka answered ${type}). Create it once with 1 partition, or grant CREATE on it; see docs/run-lock.md.`);
    }
    throw error;
  }
}

/** A broker still publishing earlier work answers "does not host this topic-partition" for a while. */
async function waitForLockTopicLeader(admin: Admin, topic: string): Promise<void> {
  const until = Date.now() + LOCK_TOPIC_LEADER_WAIT_MS;
  for (;;) {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: unknown) => {
      if (classifyKafkaError(error).kind !== 'not-ready' || Date.now() > until) throw error;
      return undefined;
    });
    if (metadata?.topics[0]?.partitions.some((partition) => partition.leader >= 0)) return;
    if (Date.now() > until) throw new UnreachableError(`run lock: the lock topic ${topic} still has no leader after ${LOCK_TOPIC_LEADER_WAIT_MS / 1000} s. Check the brokers that host it.`);
    await sleep(200);
  }
}

/** How long a just-created lock topic may take to get its leader. */
const LOCK_TOPIC_LEADER_WAIT_MS = 60_000;

/**
 * Who holds the lock now, from the group's description (DescribeGroups): the member assigned the
 * partition; during a rebalance, one that says it holds; else the other member waiting longest
 * (a holder's first join was made before it held anything).
 */
async function currentHolder(admin: Admin, groupId: string, topic: string, self: MemberClaim): Promise<MemberClaim | undefined> {
  const { groups } = await admin.describeGroups([groupId]);
  const members = (groups[0]?.members ?? []).map((member) => ({
    claim: parseClaim(member.memberMetadata.length > 0 ? AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.userData : undefined),
    assigned: member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [] : [],
  }));
  const others = members.filter(({ claim }) => !claim || claim.pid !== self.pid || claim.host !== self.host || claim.waitingSince !== self.waitingSince);
  const oldest = [...others].sort((a, b) => (a.claim?.waitingSince ?? '~').localeCompare(b.claim?.waitingSince ?? '~'))[0];
  return (others.find((member) => member.assigned.includes(LOCK_PARTITION)) ?? others.find((member) => member.claim?.heldSince) ?? oldest)?.claim;
}

class RunLockBusyError extends UnreachableError {}

/**
 * Joins the lock group and resolves once this run holds the lock; throws RunLockBusyError naming
 * the holder when the wait runs out.
 */
export async function acquireRunLock(options: RunLockOptions): Promise<HeldRunLock> {
  const now = options.now ?? Date.now;
  const groupId = lockGroupId(options.name);
  const log = options.log.child({ lock: options.name });
  const claim: MemberClaim = { ...options.identity, waitingSince: new Date(now()).toISOString() };
  const admin = options.kafka.admin();
  // A holder rejoins the group only when its heartbeat hears of a rebalance: frequent heartbeats
  // keep a newcomer's join (and so its wait or its refusal) short.
  const heartbeatMs = HEARTBEAT_MS;
  const consumer: Consumer = options.kafka.consumer({
    groupId,
    sessionTimeout: options.leaseMs,
    rebalanceTimeout: options.leaseMs,
    heartbeatInterval: heartbeatMs,
    maxWaitTimeInMs: heartbeatMs / 2,
    allowAutoTopicCreation: false,
    partitionAssigners: [lockAssigner(options.topic, () => claim)],
  });
  const lostController = new AbortController();
  let lastHeartbeat = now();
  let granted: () => void = () => undefined;
  const grantedPromise = new Promise<void>((resolve) => {
    granted = resolve;
  });
  const lose = (why: string) => {
    if (!claim.heldSince || lostController.signal.aborted) return;
    claim.heldSince = undefined;
    log.error({ reason: why }, 'run lock lost');
    lostController.abort(new UnreachableError(`run lock "${options.name}" lost: ${why}. Another run may now apply; run again once it has finished.`));
  };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const holds = (event.payload.memberAssignment[options.topic] ?? []).includes(LOCK_PARTITION);
    if (holds && !claim.heldSince) {
      claim.heldSince = new Date(now()).toISOString();
      lastHeartbeat = now();
      granted();
    } else if (!holds && claim.heldSince) {
      lose('the group gave it to another run');
    }
  });
  consumer.on(consumer.events.HEARTBEAT, () => {
    lastHeartbeat = now();
  });
  consumer.on(consumer.events.CRASH, (event) => lose(`the lock's group connection failed (${messageOf(event.payload.error)})`));
  const watchdog = setInterval(() => {
    if (claim.heldSince && now() - lastHeartbeat > options.leaseMs) lose(`no heartbeat reached the broker for ${formatDuration(now() - lastHeartbeat)}, longer than the lease of ${formatDuration(options.leaseMs)}`);
  }, Math.min(heartbeatMs, 1_000));
  watchdog.unref();

  const release = async () => {
    clearInterval(watchdog);
    claim.heldSince = undefined;
    // LeaveGroup on disconnect: the next run gets the lock at once rather than after the lease.
    await settleWithin(Promise.allSettled([consumer.disconnect(), admin.disconnect()]), RELEASE_TIMEOUT_MS);
  };

  const started = now();
  try {
    await admin.connect();
    await ensureLockTopic(admin, options.topic);
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    let logged = false;
    // Joining a free lock is the acquisition itself: lock.wait is on top of the time a join takes,
    // so `wait: 0s` still gets a free lock and fails fast on a held one.
    const waited = await waitUntil(grantedPromise, options.waitMs + JOIN_ALLOWANCE_MS, options.signal, async () => {
      if (logged) return;
      const holder = await currentHolder(admin, groupId, options.topic, claim).catch(() => undefined);
      // A free lock's first join may be slow too (the coordinator's initial delay): no holder, no line.
      if (!holder || logged || claim.heldSince) return;
      logged = true;
      log.info({ holder: describeHolder(holder, now()), waitAtMost: formatDuration(options.waitMs) }, `waiting for the run lock "${options.name}", held by ${describeHolder(holder, now())}`);
    });
    if (waited === 'aborted') throw options.signal!.reason;
    if (waited === 'timeout') {
      const holder = await currentHolder(admin, groupId, options.topic, claim).catch(() => undefined);
      throw new RunLockBusyError(
        `run lock "${options.name}" is held by ${describeHolder(holder, now())}; waited ${formatDuration(now() - started)} (lock.wait ${formatDuration(options.waitMs)}). Let that run finish, or raise lock.wait.`,
      );
    }
    log.info({ waitedMs: now() - started }, `holding the run lock "${options.name}"`);
  } catch (error) {
    await release();
    if (error instanceof SynchookError) throw error;
    const { kind } = classifyKafkaError(error);
    if (kind === 'not-authorized') {
      throw new TaskFailedError(`run lock "${options.name}": Kafka refused it (${messageOf(error)}). Grant synchook's principal DESCRIBE and READ on the topic ${options.topic} and READ and DESCRIBE on the group prefix synchook-lock.; see docs/run-lock.md.`, { cause: error });
    }
    // Credentials and certificates are configuration errors wherever they are met (exit 2).
    if (kind === 'credentials' || kind === 'certificate') throw kafkaFailure(error, options.cluster, `take the run lock "${options.name}"`);
    throw new UnreachableError(`run lock "${options.name}": could not take the lock in Kafka: ${messageOf(error)}`, { cause: error });
  }
  return { name: options.name, lost: lostController.signal, release };
}

/** Resolves 'granted', 'timeout' or 'aborted'; onSlow runs every 1.5 s while the grant does not come. */
async function waitUntil(granted: Promise<void>, waitMs: number, signal: AbortSignal | undefined, onSlow: () => Promise<void>): Promise<'granted' | 'timeout' | 'aborted'> {
  const timers: NodeJS.Timeout[] = [];
  let onAbort = () => undefined as void;
  try {
    return await Promise.race([
      granted.then(() => 'granted' as const),
      new Promise<'timeout'>((resolve) => timers.push(setTimeout(() => resolve('timeout'), waitMs))),
      new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        if (signal?.aborted) resolve('aborted');
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
      new Promise<never>(() => timers.push(setInterval(() => void onSlow(), 1_500))),
    ]);
  } finally {
    for (const timer of timers) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** This process, as the lock's holder message shows it. */
export function runLockIdentity(env: NodeJS.ProcessEnv, revision: string | undefined): RunLockIdentity {
  return { revision, pod: env.POD_NAME || undefined, host: env.HOSTNAME || hostname(), pid: process.pid };
}
