// Loaded with `node --import` into a measured synchook process (BENCH_REQUESTS_FILE set): counts
// the requests it sends, without changing what it does, and writes them as JSON when it exits.
// - Kafka: every request kafkajs's connection class sends (src/network/connection.js, `send`, with
//   the request's API name), whichever client sends it: kafkajs's admin and synchook's per-item
//   admin on kafkajs's protocol layer alike. The class is patched when kafkajs loads it, so a run
//   that never loads kafkajs does not pay for it here.
// - HTTP (the schema registry): Node's diagnostics channels http.client.request.start and
//   http.client.response.finish (node:diagnostics_channel, "Built-in channels", HTTP).
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import Module from 'node:module';

const file = process.env.BENCH_REQUESTS_FILE;
if (file) {
  /** "kafka DescribeConfigs" / "http GET /subjects/{subject}/versions/latest" → count and summed ms. */
  const counts = new Map();
  const add = (key, ms) => {
    const entry = counts.get(key) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += ms;
    counts.set(key, entry);
  };

  const originalLoad = Module._load;
  let patched = false;
  Module._load = function load(request, ...rest) {
    const loaded = originalLoad.call(this, request, ...rest);
    // By shape, not by name: kafkajs's Connection class, the one place every request goes through.
    if (!patched && typeof loaded === 'function' && loaded.name === 'Connection' && typeof loaded.prototype?.send === 'function' && typeof loaded.prototype?.sendAuthRequest === 'function') {
      patched = true;
      const originalSend = loaded.prototype.send;
      loaded.prototype.send = async function send(call, ...more) {
        const start = performance.now();
        try {
          return await originalSend.call(this, call, ...more);
        } finally {
          add(`kafka ${call?.request?.apiName ?? 'unknown'}`, performance.now() - start);
        }
      };
    }
    return loaded;
  };

  // Path shapes, not names: one key per kind of request.
  const shape = (path) =>
    path
      .replace(/^.*?\/(subjects|config|compatibility|schemas|mode)(\/|\?|$)/, '/$1$2')
      .replace(/\/subjects\/[^/?]+/, '/subjects/{subject}')
      .replace(/\/config\/[^/?]+/, '/config/{subject}')
      .replace(/\/mode\/[^/?]+/, '/mode/{subject}')
      .replace(/\/versions\/(?!latest)[^/?]+/, '/versions/{version}')
      .replace(/\/ids\/\d+/, '/ids/{id}');
  const started = new WeakMap();
  diagnostics.subscribe('http.client.request.start', ({ request }) => started.set(request, performance.now()));
  diagnostics.subscribe('http.client.response.finish', ({ request }) => {
    add(`http ${request.method} ${shape(request.path)}`, performance.now() - (started.get(request) ?? performance.now()));
  });

  process.on('exit', () => {
    try {
      writeFileSync(file, JSON.stringify(Object.fromEntries(counts)));
    } catch {
      // A missing count shows as "n/a"; it must never change the exit of the measured process.
    }
  });
}
