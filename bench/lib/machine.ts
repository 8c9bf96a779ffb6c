/** What the figures were measured on: they mean little without it. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  java: string;
  kafka: string;
  registry: string;
  synchook: string;
  /** 1-minute load average when the run started and when it ended. */
  loadStart: number[];
  loadEnd?: number[];
}

export function describeMachine(input: { kafka: string; registry: string }): Machine {
  return {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: release(),
    node: process.version,
    java: javaVersion(),
    kafka: input.kafka,
    registry: input.registry,
    synchook: synchookVersion(),
    loadStart: loadavg(),
  };
}

function javaVersion(): string {
  try {
    // `java -version` writes to stderr; its first line names vendor and release.
    const run = spawnSync(process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return `${run.stderr}${run.stdout}`.split('\n')[0]?.trim() || 'java: not found';
  } catch {
    return 'java: not found';
  }
}

function synchookVersion(): string {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  try {
    const revision = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return `${version} (${revision}${dirty ? ', uncommitted changes in src/' : ''})`;
  } catch {
    return version;
  }
}

function formatLoad(load: number[]): string {
  return load.map((value) => value.toFixed(2)).join(' / ');
}

/** Markdown lines describing the machine; the load line warns when others shared it. */
export function machineLines(machine: Machine): string[] {
  const loadNote = Math.max(...machine.loadStart, ...(machine.loadEnd ?? [])) > machine.cpus
    ? ' — above the core count: other work shared the machine, so the figures are noisy'
    : '';
  return [
    `- Date: ${machine.date}`,
    `- CPU: ${machine.cpuModel}, ${machine.cpus} cores (nproc); memory ${machine.memoryGiB.toFixed(1)} GiB; Linux ${machine.kernel}`,
    `- Node ${machine.node}; ${machine.java}; Kafka ${machine.kafka} (single KRaft node, local); Apicurio Registry ${machine.registry} (Confluent API)`,
    `- synchook ${machine.synchook}`,
    `- Load average (1/5/15 min): ${formatLoad(machine.loadStart)} at start, ${machine.loadEnd ? formatLoad(machine.loadEnd) : 'n/a'} at end${loadNote}`,
  ];
}
