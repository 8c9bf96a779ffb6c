import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from './render.js';

/**
 * The tree Flux's source-controller hands to the kustomize-controller for a GitRepository: the
 * repository's files minus those its `spec.ignore` excludes. `spec.ignore` is in .gitignore
 * syntax and replaces Flux's default exclusions (source.toolkit.fluxcd.io/v1 GitRepositorySpec:
 * "Ignore overrides the set of excluded patterns in the .sourceignore format (which is the same
 * as .gitignore)"), so git's own ignore rules decide, in a scratch repository whose
 * .git/info/exclude holds them.
 */
export function fluxArtifact(ignore: string, under: string): string {
  // What a push of this checkout holds: tracked files and new ones that .gitignore does not exclude.
  const files = git(REPO, ['ls-files', '--cached', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean);
  const scratch = mkdtempSync(join(under, 'flux-source-'));
  const checkout = join(scratch, 'checkout');
  git(scratch, ['init', '--quiet', checkout]);
  for (const file of files) {
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    try {
      cpSync(join(REPO, file), join(checkout, file));
    } catch {
      // Deleted in the working tree but still in the index: not part of the next push.
    }
  }
  writeFileSync(join(checkout, '.git/info/exclude'), ignore);
  const kept = git(checkout, ['ls-files', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean);
  const artifact = join(scratch, 'artifact');
  for (const file of kept) {
    mkdirSync(dirname(join(artifact, file)), { recursive: true });
    cpSync(join(checkout, file), join(artifact, file));
  }
  return artifact;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}
