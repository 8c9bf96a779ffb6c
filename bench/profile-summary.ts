/**
 * Summarises a V8 CPU profile (node --cpu-prof, or BENCH_CPU_PROF=1 npm run bench): where the
 * samples fell, by package or source file and by function, so a missed target can be traced to
 * the code that costs the time.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: profile-summary FILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

// Self time per node: each sample's delta belongs to the node sampled.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

/** "kafkajs", "yargs", "synchook src/tasks/topics/plan.js", "(node internals)", "(gc)"... */
function owner(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return '(node internals)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/(dist|src|bench|test)\/(.+)$/.exec(url);
  return own ? `synchook ${own[1]}/${own[2]}` : url;
}

const byOwner = new Map<string, number>();
const byFunction = new Map<string, number>();
// Inclusive time per owner: a sample counts once for every distinct owner on its stack.
const inclusiveOwner = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const { url, functionName, lineNumber } = node.callFrame;
  const who = owner(url, functionName);
  byOwner.set(who, (byOwner.get(who) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const seen = new Set<string>();
  for (let cursor: number | undefined = id; cursor !== undefined; cursor = parentOf.get(cursor)) {
    const frame = byId.get(cursor)!.callFrame;
    const frameOwner = owner(frame.url, frame.functionName);
    if (seen.has(frameOwner)) continue;
    seen.add(frameOwner);
    inclusiveOwner.set(frameOwner, (inclusiveOwner.get(frameOwner) ?? 0) + us);
  }
}

const totalMs = (profile.endTime - profile.startTime) / 1000;
const ms = (us: number) => `${(us / 1000).toFixed(1).padStart(8)} ms`;
const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${ms(us)}  ${name}\n`);
};
process.stdout.write(`${file}: ${totalMs.toFixed(0)} ms profiled, ${profile.samples.length} samples\n`);
print('self time by package / file', byOwner);
print('inclusive time by package / file (a sample counts for every owner on its stack)', inclusiveOwner);
print('self time by function', byFunction);
