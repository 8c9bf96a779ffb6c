import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import pino, { type Logger, type Level } from 'pino';

export type { Logger };
type LogFormat = 'json' | 'pretty';

/**
 * Every secret value synchook reads (passwords, tokens, keys) is registered here and replaced in
 * every line synchook writes, logs and plain output alike. Field-name redaction alone misses a
 * secret that shows up inside an error message, a URL or a broker's reply.
 */
const secrets = new Set<string>();
const REDACTED = '[REDACTED]';
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string | undefined): void {
  if (!value) return;
  const trimmed = value.trim();
  // A two-letter "secret" would blank out ordinary words; such values are refused by config.
  if (trimmed.length >= MIN_SECRET_LENGTH) secrets.add(trimmed);
  if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
  // Basic auth puts the secret into base64; a dump of headers must not leak it either.
}

export function registerBasicAuth(username: string, password: string): void {
  registerSecret(password);
  registerSecret(Buffer.from(`${username}:${password}`).toString('base64'));
}

export function scrub(text: string): string {
  if (secrets.size === 0) return text;
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Keys whose values never reach a log line, whatever they hold. */
const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', 'token', '*.token', '*.*.token',
  'privateKey', '*.privateKey', '*.*.privateKey', 'authorization', '*.authorization',
  'headers.authorization', '*.headers.authorization', 'sasl', '*.sasl',
];

class ScrubbingStream extends Writable {
  constructor(private readonly target: NodeJS.WritableStream) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!(this.target as NodeJS.WritableStream & { destroyed?: boolean }).destroyed) this.target.write(scrub(chunk.toString()));
    callback();
  }
}

export interface LogOptions {
  level?: Level | 'silent';
  format?: LogFormat;
  /** Where log lines go; stderr by default so that stdout carries only the command's output. */
  destination?: NodeJS.WritableStream;
}

const moduleRequire = createRequire(import.meta.url);

export function createLogger(options: LogOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const isTty = Boolean((destination as NodeJS.WriteStream).isTTY);
  const format = options.format ?? (isTty ? 'pretty' : 'json');
  const level = options.level ?? 'info';
  const common = {
    level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (format === 'pretty') {
    // pino-pretty is loaded only for a terminal; the Job in a cluster writes JSON.
    const pretty = loadPretty();
    if (pretty) {
      const stream = pretty({ colorize: isTty, sync: true, destination: new ScrubbingStream(destination), translateTime: 'HH:MM:ss', ignore: 'pid,hostname' });
      return pino(common, stream);
    }
  }
  return pino(common, new ScrubbingStream(destination));
}

function loadPretty(): ((options: Record<string, unknown>) => NodeJS.WritableStream) | undefined {
  try {
    // Required on demand: the Job in a cluster writes JSON and never pays for pino-pretty.
    return moduleRequire('pino-pretty') as (options: Record<string, unknown>) => NodeJS.WritableStream;
  } catch {
    return undefined;
  }
}


/** Plain command output (plans, doctor reports, summaries) on stdout, scrubbed of secrets. */
export function printOut(text: string, stream: NodeJS.WritableStream = process.stdout): void {
  // A reader that closed the pipe (`| head`) gets nothing more; the run goes on to its own end.
  if ((stream as NodeJS.WritableStream & { destroyed?: boolean }).destroyed) return;
  stream.write(scrub(text.endsWith('\n') ? text : `${text}\n`));
}
