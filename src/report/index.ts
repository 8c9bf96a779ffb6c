import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import type { Reporter } from './types.js';

export interface ReporterOptions {
  loaded: LoadedConfig;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** Explicit commit (--sha); wins over config and environment. */
  sha?: string;
}

/** The reporters a run sends its progress to, from the config's report section. */
export async function createReporters(_options: ReporterOptions): Promise<Reporter[]> {
  return [];
}
