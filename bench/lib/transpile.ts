import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';

/**
 * Turns one self-contained TypeScript file into an .mjs that plain `node` runs, so a baseline
 * measured as a whole process pays Node's start-up like synchook does, and no loader's on top.
 */
export function transpileScript(source: string, outDir: string): string {
  const output = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    fileName: basename(source),
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, basename(source).replace(/\.ts$/, '.mjs'));
  writeFileSync(file, output.outputText);
  return file;
}
