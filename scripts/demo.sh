#!/usr/bin/env bash
# The main job on the embedded default: starts a local Kafka and schema registry (downloaded once,
# cached), then runs synchook doctor, presync and postsync against examples/demo/synchook.yaml,
# runs presync again to show it is a no-op, and stops the services.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# The tests and the CLI run on the Node major the image ships (fetched and cached when this
# machine's node is older): package.json's engines ask for it.
use_supported_node || { say "no Node.js $SYNCHOOK_NODE_MAJOR or newer, and scripts/install-node.sh could not fetch one"; exit 1; }

bash scripts/install-test-deps.sh services
[ -f dist/cli.js ] || npm run build --silent

state=.harness/demo-state.json
log=.harness/demo-harness.log
mkdir -p .harness
rm -f "$state"
say "demo: starting a local Kafka and schema registry on 127.0.0.1 ..."
node --import tsx test/harness/cli.ts up --state "$state" >"$log" 2>&1 &
harness_pid=$!
cleanup() { kill "$harness_pid" 2>/dev/null || true; wait "$harness_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 240); do
  [ -f "$state" ] && break
  kill -0 "$harness_pid" 2>/dev/null || { cat "$log" >&2; say "demo: the local services did not start (log above)"; exit 1; }
  sleep 0.5
done
[ -f "$state" ] || { cat "$log" >&2; say "demo: the local services did not start within 120 s"; exit 1; }
eval "$(grep -E '^(KAFKA_BROKERS|SCHEMA_REGISTRY_URL)=' "$log")"
export KAFKA_BROKERS SCHEMA_REGISTRY_URL

synchook() { node dist/cli.js "$@" --config examples/demo/synchook.yaml; }
status=0
for command in doctor plan presync postsync presync; do
  say ""
  say "demo: synchook $command"
  synchook "$command" || { status=$?; say "demo: synchook $command exited $status"; break; }
done
exit $status
