import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Message, type Producer } from 'kafkajs';
import { createKafkaAdmin, itemFailure, type KafkaAdmin } from '../../clients/kafka/admin.js';
import { classifyKafkaError, kafkaError, rootMessage } from '../../clients/kafka.js';
import type { ClusterConfig } from '../../config/common.js';
import { formatDuration } from '../../duration.js';
import { ConfigError, SynchookError, TaskFailedError, UnreachableError, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SmokeSection } from './config.js';
import { ProbeDeadlineReached, createGuard, settleWithin } from './deadline.js';
import { partitionOf, plainProbeValue, probeHeaders, readProbeHeaders, sha256 } from './records.js';
import type { ProbeSerde } from './serde.js';
import { errorType, isLeaderless } from '../shared/kafka-errors.js';
import { endOffsets, prepareProbeTopic, type ProbeTopic } from './topic.js';
import type { ReceivedRecord, SentRecord } from './verify.js';
import { sleep } from '../../timing.js';

export interface ProbeInput {
  kafka: Kafka;
  cluster: ClusterConfig;
  log: Logger;
  /** Aborts the probe (SIGTERM, the runner's deadline). */
  signal: AbortSignal;
  /** Producing and consuming stop here; what came back by then is judged. */
  deadlineAt: number;
  /** Cleanup (leave and delete the group, disconnect) must be over by then. */
  cleanupBy: number;
  section: SmokeSection;
  topic: string;
  serde?: ProbeSerde;
  runId: string;
}

export interface ProbeRun {
  runId: string;
  groupId: string;
  topic: ProbeTopic;
  sent: SentRecord[];
  received: ReceivedRecord[];
  /** The deadline passed, with a responsive broker, before every acknowledged record came back. */
  timedOut: boolean;
  /** From the first produce call to the last record received (or the deadline). */
  wallMs: number;
  groupDeleted: boolean;
  warnings: string[];
}

type Phase = 'connect' | 'topic' | 'join' | 'produce' | 'consume';
const PHASE_TEXT: Record<Phase, string> = {
  connect: 'connect to Kafka',
  topic: 'prepare the probe topic',
  join: 'join the probe consumer group',
  produce: 'produce the probe records',
  consume: 'consume the probe records',
};

/** A consumer with no answer from any broker for this long is cut off, not waiting for records. */
const SILENT_BROKER_MS = 2_000;

/**
 * Produces the probe records and reads them back with a throwaway consumer group positioned at
 * the end offsets captured before producing. kafkajs has no manual assignment, hence the group;
 * it never commits and is deleted at the end.
 */
export async function runProbe(input: ProbeInput): Promise<ProbeRun> {
  const { kafka, cluster, section, runId, log } = input;
  const groupId = `${section.groupIdPrefix}${runId}`;
  const guard = createGuard(input.signal, input.deadlineAt);
  const warnings: string[] = [];
  const sent: SentRecord[] = [];
  const received: ReceivedRecord[] = [];
  const receivedSeqs = new Set<number>();
  let phase: Phase = 'connect';
  let lastError: unknown;
  let lastConsumerAnswerAt = 0;
  let firstSendAt: number | undefined;
  let lastReceiveAt: number | undefined;
  let producingDone = false;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let signalAllReceived: () => void = () => undefined;
  const allReceived = new Promise<void>((resolve) => {
    signalAllReceived = resolve;
  });
  const checkAllReceived = () => {
    if (producingDone && receivedSeqs.size >= sent.length) signalAllReceived();
  };
  let rejectOnCrash: (error: unknown) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    rejectOnCrash = reject;
  });
  crashed.catch(() => undefined);
  const watch = <T>(promise: Promise<T>) => guard.race(Promise.race([promise, crashed]));

  const admin = createKafkaAdmin(kafka, { retries: cluster.retries });
  try {
    phase = 'topic';
    const probed = await guard.race(prepareProbeTopic(admin, section, input.topic, cluster, log, input.deadlineAt));
    const offsets = await guard.race(endOffsets(admin, probed.name, cluster, input.deadlineAt));
    const partitions = probed.partitions.length;
    if (section.messages < partitions) {
      warnings.push(`${section.messages} records cannot cover the ${partitions} partitions of ${probed.name}; partitions ${section.messages}–${partitions - 1} were not probed. Raise smoke.messages.`);
    }

    phase = 'join';
    consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // kafkajs restarts a crashed consumer forever by default; the probe's own deadline decides instead.
      retry: { restartOnFailure: async () => false },
    });
    const probeConsumer = consumer;
    probeConsumer.on(probeConsumer.events.REQUEST, () => {
      lastConsumerAnswerAt = Date.now();
    });
    probeConsumer.on(probeConsumer.events.CRASH, (event) => {
      lastError = event.payload.error;
      if (!event.payload.restart) rejectOnCrash(event.payload.error);
    });
    let assigned: number[] = [];
    probeConsumer.on(probeConsumer.events.GROUP_JOIN, (event) => {
      assigned = event.payload.memberAssignment[probed.name] ?? [];
    });
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, idempotent: false });
    const probeProducer = producer;

    const receive = async ({ batch }: EachBatchPayload) => {
      const receivedAt = Date.now();
      for (const message of batch.messages) {
        const headers = readProbeHeaders(message.headers);
        if (!headers || headers.runId !== runId) continue;
        const value = message.value ?? Buffer.alloc(0);
        const decodeError = input.serde ? await input.serde.check(value) : checkPlainValue(value, runId, headers.seq);
        received.push({
          seq: headers.seq,
          partition: batch.partition,
          offset: message.offset,
          sentAt: headers.sentAt,
          receivedAt,
          checksumOk: sha256(value) === headers.sha256,
          ...(decodeError !== undefined ? { decodeError } : {}),
        });
        receivedSeqs.add(headers.seq);
        lastReceiveAt = receivedAt;
      }
      checkAllReceived();
    };

    await watch(Promise.all([probeConsumer.connect(), probeProducer.connect()]));
    await watch(probeConsumer.subscribe({ topics: [probed.name], fromBeginning: false }));
    // run() resolves once the group is joined (or the consumer crashed, which `crashed` reports).
    await watch(probeConsumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch: receive }));
    for (const { partition, high } of offsets) probeConsumer.seek({ topic: probed.name, partition, offset: high });
    const unassigned = probed.partitions.filter((partition) => !assigned.includes(partition));
    if (unassigned.length > 0) warnings.push(`the probe consumer was not assigned partitions ${unassigned.join(', ')} of ${probed.name}.`);

    phase = 'produce';
    for (let start = 0; start < section.messages; start += section.batchSize) {
      const seqs = Array.from({ length: Math.min(section.batchSize, section.messages - start) }, (_, index) => start + index);
      // Encoding and checksums happen before the clock starts: latency is Kafka's, not ours.
      const values = await Promise.all(seqs.map((seq) => (input.serde ? input.serde.encode(seq) : Promise.resolve(plainProbeValue(runId, seq, section.messageBytes)))));
      const checksums = values.map(sha256);
      const sentAt = Date.now();
      firstSendAt ??= sentAt;
      const batch = seqs.map((seq, index) => {
        const partition = probed.partitions[partitionOf(seq, partitions)]!;
        const checksum = checksums[index]!;
        const message: Message = { key: `${runId}-${seq}`, value: values[index]!, partition, timestamp: String(sentAt), headers: probeHeaders({ runId, seq, sentAt, sha256: checksum }) };
        return { message, record: { seq, partition, sentAt, sha256: checksum } };
      });
      // A broker still catching up after topic churn answers "does not host this topic-partition"
      // for a while: ask again until the probe's deadline (watch() ends the wait there).
      for (;;) {
        try {
          await watch(probeProducer.send({ topic: probed.name, acks: -1, timeout: cluster.requestTimeout, messages: batch.map(({ message }) => message) }));
          break;
        } catch (error) {
          if (!isLeaderless(error)) throw error;
          lastError = error;
          await watch(sleep(250, guard.signal));
        }
      }
      const ackedAt = Date.now();
      for (const { record } of batch) sent.push({ ...record, ackedAt });
    }
    producingDone = true;

    phase = 'consume';
    checkAllReceived();
    let timedOut = false;
    try {
      await watch(allReceived);
    } catch (error) {
      if (!(error instanceof ProbeDeadlineReached)) throw error;
      if (Date.now() - lastConsumerAnswerAt > SILENT_BROKER_MS) throw error;
      timedOut = true;
    }
    const wallMs = (timedOut || lastReceiveAt === undefined ? Date.now() : lastReceiveAt) - (firstSendAt ?? Date.now());
    const groupDeleted = await cleanUp();
    return { runId, groupId, topic: probed, sent, received, timedOut, wallMs, groupDeleted, warnings };
  } catch (error) {
    await cleanUp();
    throw describeFailure(error);
  } finally {
    guard.dispose();
  }

  async function cleanUp(): Promise<boolean> {
    const budget = () => Math.max(500, input.cleanupBy - Date.now());
    const openConsumer = consumer;
    const openProducer = producer;
    consumer = undefined;
    producer = undefined;
    // The group can be deleted only once its member has left, so the consumer goes first.
    if (openConsumer) {
      const left = await settleWithin(openConsumer.disconnect(), Math.min(5_000, budget()));
      if (!left.ok) warnings.push(`the probe consumer did not leave group ${groupId} cleanly: ${rootMessage(left.error)}.`);
    }
    if (openProducer) await settleWithin(openProducer.disconnect(), Math.min(2_000, budget()));
    let deleted = true;
    if (openConsumer) {
      const result = await settleWithin(deleteProbeGroup(admin, groupId), budget());
      deleted = result.ok && result.value;
      if (!result.ok) {
        const type = errorType(result.error);
        const hint = type === 'GROUP_AUTHORIZATION_FAILED' ? ` (${type}: grant the synchook principal DELETE on the probe's groups)` : type ? ` (${type})` : '';
        warnings.push(`could not delete the probe consumer group ${groupId}: ${rootMessage(result.error)}${hint}. It holds no committed offsets; delete it with kafka-consumer-groups --delete --group ${groupId}.`);
      }
    }
    await settleWithin(admin.close(), 1_000);
    return deleted;
  }

  function describeFailure(error: unknown): unknown {
    if (input.signal.aborted && error === input.signal.reason) return error;
    const brokers = cluster.brokers.join(', ');
    if (error instanceof ProbeDeadlineReached) {
      const cause = lastError ? `; last error: ${rootMessage(lastError)}` : '';
      if (phase === 'produce') {
        return new UnreachableError(`${sent.length}/${section.messages} probe records acknowledged by Kafka at ${brokers} when the probe's deadline passed${cause}. Check that the brokers are up and the partitions of ${input.topic} have leaders.`);
      }
      if (phase === 'consume') {
        return new UnreachableError(`${receivedSeqs.size}/${sent.length} probe records read back, and no broker at ${brokers} answered the probe consumer in the last ${formatDuration(Date.now() - lastConsumerAnswerAt)}${cause}. Check that the brokers are up.`);
      }
      return new UnreachableError(`could not ${PHASE_TEXT[phase]} at ${brokers} before the probe's deadline${cause}. Check the addresses and that the brokers are up.`);
    }
    if (error instanceof SynchookError) return error;
    const type = errorType(error);
    if (classifyKafkaError(error).kind === 'not-authorized') {
      return new TaskFailedError(
        `Kafka refused to ${PHASE_TEXT[phase]} (${rootMessage(error)}). Grant the synchook principal WRITE and READ on topic ${input.topic} and READ and DELETE on groups with prefix ${section.groupIdPrefix}.`,
        { cause: error },
      );
    }
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') {
      return new ConfigError(`the broker refused the probe records as too large (${rootMessage(error)}). Lower smoke.messageBytes or smoke.batchSize.`, { cause: error });
    }
    return kafkaError(error, cluster, PHASE_TEXT[phase]);
  }
}

/** A plain probe value must be the JSON this run wrote for that sequence number. */
function checkPlainValue(value: Buffer, runId: string, seq: number): string | undefined {
  try {
    const parsed = JSON.parse(value.toString('utf8')) as { runId?: unknown; seq?: unknown };
    if (parsed.runId !== runId || parsed.seq !== seq) return `the value names run ${String(parsed.runId)} record ${String(parsed.seq)}, not ${runId} record ${seq}`;
    return undefined;
  } catch (error) {
    return `the value is not the JSON the probe wrote: ${messageOf(error)}`;
  }
}

/**
 * Deletes the run's consumer group. Right after the member left, the coordinator may still count
 * it (NON_EMPTY_GROUP) for a moment; a group that never formed (GROUP_ID_NOT_FOUND) is gone already.
 */
async function deleteProbeGroup(admin: KafkaAdmin, groupId: string): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await admin.deleteGroup(groupId);
    if (result.ok || result.error.type === 'GROUP_ID_NOT_FOUND') return true;
    if (result.error.type === 'NON_EMPTY_GROUP' && attempt < 10) {
      await sleep(200);
      continue;
    }
    throw itemFailure(result.error);
  }
}
