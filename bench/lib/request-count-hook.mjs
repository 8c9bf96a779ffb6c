// Loaded with `node --import` into a measured synchook process (BENCH_REQUESTS_FILE set): counts
// the requests it sends, without changing what it does, and writes them as JSON when it exits.
// - Kafka: kafkajs's admin instrumentation event (admin.events.REQUEST, one per request sent,
//   with its API name and duration; kafkajs docs "Instrumentation"). The admin is patched when
//   kafkajs is first loaded, so a run that never loads kafkajs does not pay for it here.
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
    // By shape, not by name: an ESM import reaches here with the resolved file path.
    if (!patched && typeof loaded?.Kafka === 'function' && loaded.ConfigResourceTypes && loaded.logLevel) {
      patched = true;
      const originalAdmin = loaded.Kafka.prototype.admin;
      loaded.Kafka.prototype.admin = function admin(...args) {
        const client = originalAdmin.apply(this, args);
        client.on(client.events.REQUEST, (event) => add(`kafka ${event.payload.apiName}`, event.payload.duration ?? 0));
        return client;
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
