import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../manifests/render.js';

/**
 * The install scripts find a cached tool by asking it for its version. A tool that writes more
 * than the check reads (terraform prints its platform and an upgrade notice after the version
 * line) must still count as installed: under pipefail, `tool version | head -n1 | grep -q` fails
 * whenever head exits before the tool's last write (SIGPIPE), and the script then tries to build
 * the tool again. Without go on PATH that rebuild fails, so a false "not installed" shows.
 */

const work = mkdtempSync(join(tmpdir(), 'synchook-install-scripts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in binary that prints `firstLine`, then a megabyte, as a chatty tool would. */
function chattyTool(path: string, firstLine: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/bash\nprintf '%s\\n' '${firstLine}'\nhead -c 1048576 /dev/zero | tr '\\0' 'x'\necho\n`);
  chmodSync(path, 0o755);
}

function run(script: string, cache: string, path = '/usr/bin:/bin') {
  return spawnSync('bash', [join(REPO, 'scripts', script)], {
    encoding: 'utf8',
    // No go by default: a failed check leads to "go not found" instead of a long build.
    env: { PATH: path, HOME: work, SYNCHOOK_CACHE: cache },
    timeout: 60_000,
  });
}

describe('install scripts', () => {
  it.each([
    ['install-terraform.sh', 'terraform-1.5.7/bin/terraform', 'Terraform v1.5.7'],
    ['install-kustomize.sh', 'kustomize-5.7.1/bin/kustomize', 'v5.7.1'],
  ])('%s takes a cached binary that prints more than its version line, every time', (script, binary, firstLine) => {
    const cache = join(work, script);
    chattyTool(join(cache, binary), firstLine);
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = run(script, cache);
      expect(result.stderr, `attempt ${attempt + 1}`).toMatch(/cached in/);
      expect(result.status).toBe(0);
      expect(result.stdout.trim()).toBe(join(cache, binary));
    }
  });

  it('install-helm.sh takes a cached helm that reports its version', () => {
    const cache = join(work, 'helm');
    const binary = join(cache, 'helm-4.3.2/bin/helm');
    mkdirSync(join(binary, '..'), { recursive: true });
    writeFileSync(binary, '#!/bin/bash\n[[ "$1 $2" == "version --template" ]] && printf v4.3.2\n');
    chmodSync(binary, 0o755);
    const result = run('install-helm.sh', cache);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(binary);
  });

  it('install-kustomize.sh puts what go install built into the cache, once', () => {
    const cache = join(work, 'built');
    const bin = join(work, 'fake-go');
    // A stand-in go: records each call and "builds" a kustomize that reports v5.7.1 into $GOBIN.
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'go'), `#!/bin/bash\necho "$*" >> ${join(work, 'go-calls')}\nprintf '#!/bin/bash\\necho v5.7.1\\n' > "$GOBIN/kustomize"\nchmod +x "$GOBIN/kustomize"\n`);
    chmodSync(join(bin, 'go'), 0o755);
    const first = run('install-kustomize.sh', cache, `${bin}:/usr/bin:/bin`);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(join(cache, 'kustomize-5.7.1/bin/kustomize'));
    expect(first.stderr).toMatch(/built into/);
    const second = run('install-kustomize.sh', cache, `${bin}:/usr/bin:/bin`);
    expect(second.stderr).toMatch(/cached in/);
    expect(readFileSync(join(work, 'go-calls'), 'utf8').trim().split('\n')).toEqual(['install -trimpath sigs.k8s.io/kustomize/kustomize/v5@v5.7.1']);
  });
});
