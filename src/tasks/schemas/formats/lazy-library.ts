import { createRequire } from 'node:module';

const requireLibrary = createRequire(import.meta.url);

/**
 * A schema library (avsc, ajv, protobufjs; all CommonJS) loaded on first use: each is a large part
 * of start-up, and a run only needs the libraries of the formats its schema files are written in.
 */
export function lazyLibrary<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireLibrary(name) as T);
}
