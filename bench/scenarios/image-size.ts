/**
 * Scenario 6: size of the image scripts/build-image.sh built, without and with terraform. The
 * bench never builds it (that takes minutes and the image has its own tests): it reads
 * `docker image inspect` from the project's Docker engine when it answers, else says "not built".
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, type BenchContext } from '../lib/context.js';
import type { ScenarioResult } from '../lib/results.js';

const execFileAsync = promisify(execFile);
const TARGET_MB = 200;
/** scripts/build-image.sh's default tag, then the end-to-end test's; BENCH_IMAGE overrides. */
const CANDIDATE_TAGS = ['synchook:dev', 'synchook:e2e'];

interface ImageSize {
  tag: string;
  bytes: number;
  created: string;
}

export async function imageSizeScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const result: ScenarioResult = { id: '6', title: 'Image size (without / with terraform)', baselines: [], target: `≤ ${TARGET_MB} MB without terraform`, notes: [] };
  const dockerHost = await projectDockerHost();
  if (!dockerHost) {
    result.synchook = { display: 'not built' };
    result.notes.push("The project's Docker engine (scripts/docker-daemon.sh) is not running, so no image could be inspected; build it with `bash scripts/build-image.sh` and run the bench again.");
    return result;
  }
  const tags = process.env.BENCH_IMAGE ? [process.env.BENCH_IMAGE] : CANDIDATE_TAGS;
  let plain: ImageSize | undefined;
  for (const tag of tags) {
    plain = await inspectImage(dockerHost, tag);
    if (plain) break;
  }
  if (!plain) {
    result.synchook = { display: 'not built' };
    result.notes.push(`No image tagged ${tags.join(' or ')}; build it with \`bash scripts/build-image.sh\` and run the bench again.`);
    return result;
  }
  // The same tag with -terraform first (scripts/build-image.sh --terraform), then the others'.
  let withTerraform: ImageSize | undefined;
  for (const tag of [plain.tag, ...tags.filter((tag) => tag !== plain.tag)]) {
    withTerraform = await inspectImage(dockerHost, `${tag}-terraform`);
    if (withTerraform) break;
  }
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  result.synchook = { display: `${mb(plain.bytes)} / ${withTerraform ? mb(withTerraform.bytes) : 'not built'}` };
  result.met = plain.bytes / 1e6 <= TARGET_MB;
  ctx.log(`6: ${plain.tag} is ${mb(plain.bytes)}${withTerraform ? `, ${withTerraform.tag} ${mb(withTerraform.bytes)}` : ''}`);
  result.notes.push(
    `\`docker image inspect\` Size (MB = 10^6 bytes) of ${plain.tag} (created ${plain.created})${withTerraform ? ` and ${withTerraform.tag} (created ${withTerraform.created}; built separately, so it may be of another revision)` : `; no image with terraform is built (scripts/build-image.sh --tag ${plain.tag}-terraform --terraform BINARY --terraform-version X.Y.Z)`}. The bench does not build images.`,
  );
  return result;
}

/** DOCKER_HOST of the project's engine when it answers; never starts it. */
async function projectDockerHost(): Promise<string | undefined> {
  const script = join(REPO_ROOT, 'scripts', 'docker-daemon.sh');
  if (!existsSync(script)) return undefined;
  try {
    await execFileAsync('bash', [script, 'status'], { timeout: 15_000 });
    const { stdout } = await execFileAsync('bash', [script, 'host'], { timeout: 15_000 });
    return /DOCKER_HOST=(\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

async function inspectImage(dockerHost: string, tag: string): Promise<ImageSize | undefined> {
  const docker = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
  try {
    const { stdout } = await execFileAsync(docker, ['image', 'inspect', '--format', '{{.Size}} {{.Created}}', tag], { env: { ...process.env, DOCKER_HOST: dockerHost }, timeout: 30_000 });
    const [bytes, created] = stdout.trim().split(' ');
    return { tag, bytes: Number(bytes), created: created ?? '?' };
  } catch {
    return undefined;
  }
}
