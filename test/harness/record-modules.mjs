// Loaded with `node --import` (NODE_OPTIONS) into a synchook process under test: writes every
// module the process loaded, one URL or path a line, to $RECORD_MODULES_FILE when it exits.
// ESM modules come from a module.register load hook (Node "Customization hooks"); CommonJS ones
// (kafkajs, ajv, protobufjs, avsc...) from the CommonJS cache.
import { appendFileSync, writeFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const file = process.env.RECORD_MODULES_FILE;
if (file) {
  writeFileSync(file, '');
  register(
    `data:text/javascript,${encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      export async function load(url, context, next) {
        appendFileSync(${JSON.stringify(file)}, url + '\\n');
        return next(url, context);
      }`)}`,
  );
  process.on('exit', () => appendFileSync(file, `${Object.keys(Module._cache).join('\n')}\n`));
}
