import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../manifests/render.js';

/**
 * package.json's engines must hold for every dependency: npm refuses a package whose engines
 * exclude the running Node when engine-strict is set, and a runtime dependency that needs a newer
 * Node than synchook says fails at run time instead. Checked by npm itself, on the oldest Node
 * the engines admit (from the npm registry by scripts/install-node.sh, cached), whatever node
 * runs this test.
 */
/** The oldest version a range such as "^22.13.0 || >=24" admits. */
function oldestAdmitted(range: string): string {
  const versions = [...range.matchAll(/(\d+)\.(\d+)(?:\.(\d+))?/g)].map((match) => [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)]);
  versions.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
  return versions[0]!.join('.');
}

describe('package.json engines', () => {
  const engines = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).engines.node as string;

  it('npm ci --engine-strict accepts every dependency on the oldest Node they admit', () => {
    const oldest = oldestAdmitted(engines);
    const bin = execFileSync('bash', [join(REPO, 'scripts/install-node.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SYNCHOOK_NODE_VERSION: oldest } }).trim();
    const result = spawnSync('npm', ['ci', '--engine-strict', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      timeout: 120_000,
    });
    expect(result.stderr.split('\n').filter((line) => /EBADENGINE|notsup/.test(line)), `on node ${oldest}`).toEqual([]);
    expect(result.status).toBe(0);
  }, 180_000);

  it('name the same oldest Node major as the test and demo scripts fetch', () => {
    const lib = readFileSync(join(REPO, 'scripts/lib.sh'), 'utf8');
    const major = /^SYNCHOOK_NODE_MAJOR=(\d+)$/m.exec(lib)![1];
    const image = /^SYNCHOOK_IMAGE_NODE_VERSION=(\d+)\./m.exec(lib)![1];
    expect(engines).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(image).toBe(major);
  });
});
