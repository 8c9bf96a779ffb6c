import { createHash, randomBytes } from 'node:crypto';

/**
 * Headers of every probe record. `synchook-probe` carries the run id: an application consumer
 * that reads a probed topic skips records with this header, and the probe itself reads back only
 * its own run's records.
 */
export const PROBE_HEADER = 'synchook-probe';
const SEQUENCE_HEADER = 'synchook-seq';
const SENT_AT_HEADER = 'synchook-sent-at';
export const CHECKSUM_HEADER = 'synchook-sha256';

export interface ProbeHeaders {
  runId: string;
  seq: number;
  sentAt: number;
  sha256: string;
}

/** A run id that sorts by time and does not collide between concurrent runs: "m3k2x9a1-4f2c9e". */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function sha256(value: Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * The value of a probe record without a serde: JSON naming the run and sequence, padded with
 * random characters to the configured size so the checksum guards real content.
 */
export function plainProbeValue(runId: string, seq: number, bytes: number): Buffer {
  const head = `{"probe":"synchook","runId":"${runId}","seq":${seq},"pad":"`;
  const tail = '"}';
  const padLength = Math.max(0, bytes - head.length - tail.length);
  const pad = randomBytes(Math.ceil((padLength * 3) / 4) + 3).toString('base64url').slice(0, padLength);
  return Buffer.from(`${head}${pad}${tail}`, 'utf8');
}

/** The partition of record `seq`: round-robin, so N ≥ partitions records cover every partition. */
export function partitionOf(seq: number, partitions: number): number {
  return seq % partitions;
}

export function probeHeaders(headers: ProbeHeaders): Record<string, string> {
  return {
    [PROBE_HEADER]: headers.runId,
    [SEQUENCE_HEADER]: String(headers.seq),
    [SENT_AT_HEADER]: String(headers.sentAt),
    [CHECKSUM_HEADER]: headers.sha256,
  };
}

type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;

/** The probe headers of a consumed record, or undefined for a record that is not a probe. */
export function readProbeHeaders(headers: Record<string, HeaderValue> | undefined): ProbeHeaders | undefined {
  if (!headers) return undefined;
  const text = (name: string) => {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    return value === undefined ? undefined : value.toString();
  };
  const runId = text(PROBE_HEADER);
  const seq = Number(text(SEQUENCE_HEADER));
  const sentAt = Number(text(SENT_AT_HEADER));
  const checksum = text(CHECKSUM_HEADER);
  if (runId === undefined || !Number.isInteger(seq) || !Number.isFinite(sentAt) || checksum === undefined) return undefined;
  return { runId, seq, sentAt, sha256: checksum };
}
