/**
 * Starts the local Kafka and schema registry from the command line, for the demo and for trying
 * synchook by hand:
 *   npm run harness -- up [--kafka 3.9|4] [--state .harness/state.json]   (runs until Ctrl-C / SIGTERM)
 *   npm run harness -- down [--state .harness/state.json]
 * `up` writes the addresses to the state file and, as shell assignments, to stdout.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startKafka } from './kafka.js';
import { startRegistry } from './registry.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    kafka: { type: 'string', default: '3.9' },
    state: { type: 'string', default: '.harness/state.json' },
  },
});
const command = positionals[0] ?? 'up';
const stateFile = resolve(values.state);

export interface HarnessState {
  pid: number;
  kafkaVersion: string;
  bootstrap: string;
  saslBootstrap: string;
  caFile: string;
  registryUrl: string;
}

if (command === 'up') {
  const [kafka, registry] = await Promise.all([startKafka({ version: values.kafka }), startRegistry({ compatibility: 'BACKWARD' })]);
  const state: HarnessState = {
    pid: process.pid,
    kafkaVersion: kafka.version,
    bootstrap: kafka.bootstrap,
    saslBootstrap: kafka.saslBootstrap,
    caFile: kafka.caFile,
    registryUrl: registry.url,
  };
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.stdout.write(`KAFKA_BROKERS=${kafka.bootstrap}\nSCHEMA_REGISTRY_URL=${registry.url}\n`);
  process.stderr.write(`harness: Kafka ${kafka.version} and registry ${registry.version} are up; stop with Ctrl-C or \`npm run harness -- down\`\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([kafka.stop(), registry.stop()]);
    rmSync(stateFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setInterval(() => undefined, 1 << 30);
} else if (command === 'down') {
  if (!existsSync(stateFile)) {
    process.stderr.write(`harness: no state file at ${stateFile}; nothing to stop\n`);
    process.exit(0);
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as HarnessState;
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    rmSync(stateFile, { force: true });
  }
  for (let waited = 0; waited < 30_000 && existsSync(stateFile); waited += 250) await new Promise((r) => setTimeout(r, 250));
  process.stderr.write('harness: stopped\n');
} else {
  process.stderr.write('usage: harness up [--kafka 3.9|4] [--state file] | down [--state file]\n');
  process.exit(2);
}
