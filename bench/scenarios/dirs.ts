import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.js';

/** A scenario's own folder inside the run's work folder. */
export function prepareDir(ctx: BenchContext, name: string): string {
  const dir = join(ctx.workDir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
