import { execFileSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { readInputText, resolveGlobBase, resolveInputPath } from '../../config/input.js';
import { walkFiles } from '../../config/walk.js';
import { ConfigError, messageOf } from '../../errors.js';

/** A schema or subjects file over this size is refused before parsing, at a git ref. */
const MAX_SCHEMA_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Where the declaration files are read from: the config's folder, or a baseline for
 * `validate --against` (another folder, or the same folder at a git ref). Paths are relative to
 * the config's folder, with forward slashes, and may climb out of it ("../shared/a.avsc").
 */
export interface FileSource {
  /** "the config folder", "origin/main", "/tmp/base": used in messages. */
  readonly label: string;
  /**
   * The file's text, or undefined when it does not exist in this source. `field` names where the
   * path comes from ("schemas.files[0]"), for the error when it leads out of the allowed folders.
   */
  read(path: string, field?: string): string | undefined;
  /** The files matching a glob (relative to the config's folder), sorted. */
  glob(pattern: string, field?: string): string[];
  /**
   * Only for a git ref: the commits up to the ref that changed the file, newest first, following
   * renames (`git log --follow`), each with the config's folder as it was at that commit.
   */
  history?(path: string): Array<{ commit: string; title: string; source: FileSource }>;
}

/** Commits of a file's history read for a transitive check; older ones are left out, and the report says so. */
export const MAX_HISTORY_COMMITS = 200;

const MAX_WALK_DEPTH = 12;

export function folderSource(dir: string, label = dir): FileSource {
  return {
    label,
    read(path, field = path) {
      const file = resolveInputPath(dir, path, field);
      try {
        if (!statSync(file).isFile()) return undefined;
      } catch {
        return undefined;
      }
      return readInputText(dir, file, path);
    },
    glob(pattern, field = pattern) {
      const scan = picomatch.scan(pattern);
      const base = resolveGlobBase(dir, scan.base, field, pattern);
      const matcher = picomatch(scan.glob, { dot: false });
      return walkFiles(base, MAX_WALK_DEPTH)
        .filter((file) => matcher(relative(base, file).split(sep).join('/')))
        .map((file) => relative(dir, resolveInputPath(dir, file, field)).split(sep).join('/'))
        .sort();
    },
  };
}

/**
 * The config's folder as it was at a git ref: files are read with `git show <ref>:<path>` from the
 * repository that holds the config, so a feature branch can be checked against `origin/main`
 * without a second checkout.
 */
function gitSource(configDir: string, ref: string): FileSource {
  const root = gitOutput(configDir, ['rev-parse', '--show-toplevel']).trim();
  const prefix = relative(realpathSync(root), realpathSync(configDir)).split(sep).join('/');
  let tree: string[] | undefined;
  const inRepo = (path: string): string => {
    const full = posix.normalize(posix.join(prefix, path));
    if (full.startsWith('..')) throw new ConfigError(`--against ${ref}: ${path} lies outside the git repository ${root}; only files inside it can be read at a ref.`);
    return full;
  };
  return {
    label: ref,
    read(path) {
      const full = inRepo(path);
      try {
        const size = Number(execFileSync('git', ['cat-file', '-s', `${ref}:${full}`], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
        refuseLarge(`${path} at ${ref}`, size);
        return execFileSync('git', ['show', `${ref}:${full}`], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: MAX_SCHEMA_FILE_BYTES + 1024 }).toString('utf8');
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        return undefined;
      }
    },
    glob(pattern) {
      tree ??= gitOutput(root, ['ls-tree', '-r', '--name-only', '-z', ref]).split('\0').filter(Boolean);
      const scan = picomatch.scan(pattern);
      const base = inRepo(scan.base || '.');
      const matcher = picomatch(scan.glob, { dot: false });
      return tree
        .filter((file) => (base === '.' ? true : file.startsWith(`${base}/`)))
        .filter((file) => matcher(base === '.' ? file : file.slice(base.length + 1)))
        .map((file) => posix.relative(prefix || '.', file))
        .sort();
    },
    history(path) {
      const full = inRepo(path);
      // %x00 separates the fields; a subject line cannot hold a NUL.
      const log = gitOutput(root, ['log', '--follow', `--max-count=${MAX_HISTORY_COMMITS}`, '--format=%H%x00%s', ref, '--', full]);
      return log
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [commit = '', title = ''] = line.split('\0');
          return { commit, title, source: gitSource(configDir, commit) };
        });
    },
  };
}

/**
 * The baseline named by `--against`: an existing folder (a copy of the config's folder, or a
 * checkout of the whole repository, in which case the config's path inside the repository is
 * used), otherwise a git ref of the repository holding the config.
 */
export function baselineSource(configDir: string, against: string, cwd = process.cwd()): FileSource {
  const asDir = resolve(cwd, against);
  if (isDirectory(asDir)) {
    const prefix = repositoryPrefix(configDir);
    if (prefix && isDirectory(join(asDir, prefix))) return folderSource(join(asDir, prefix), `${against} (${prefix})`);
    return folderSource(asDir, against);
  }
  try {
    gitOutput(configDir, ['rev-parse', '--verify', '--quiet', `${against}^{commit}`]);
  } catch {
    throw new ConfigError(`--against ${against}: neither a folder nor a git ref of the repository holding ${configDir}. Give a folder with the previous files, or a ref such as origin/main (fetch it first).`);
  }
  return gitSource(configDir, against);
}

/** The config folder's path inside its git repository, or undefined when it is not in one. */
function repositoryPrefix(configDir: string): string | undefined {
  try {
    const root = gitOutput(configDir, ['rev-parse', '--show-toplevel']).trim();
    const prefix = relative(realpathSync(root), realpathSync(configDir)).split(sep).join('/');
    return prefix === '' ? undefined : prefix;
  } catch {
    return undefined;
  }
}

function gitOutput(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new ConfigError(`git ${args.join(' ')} failed in ${cwd}: ${stderr || messageOf(error)}`);
  }
}

function refuseLarge(path: string, size: number): void {
  if (size > MAX_SCHEMA_FILE_BYTES) {
    throw new ConfigError(`${path}: the file is ${(size / 1024 / 1024).toFixed(1)} MiB; schema and subjects files over ${MAX_SCHEMA_FILE_BYTES / 1024 / 1024} MiB are refused. Split the schema with references.`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

