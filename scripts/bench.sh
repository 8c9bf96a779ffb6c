#!/usr/bin/env bash
# npm run bench: builds synchook, installs what the bench needs (cached), then runs bench/run.ts,
# which starts a local Kafka 3.9 and the schema registry, measures synchook and the baselines side
# by side, prints the table and writes bench/results.md. Arguments go to bench/run.ts, e.g.
#   npm run bench -- --quick          (1,000 topics only, a few minutes)
#   npm run bench -- --only 1,3
# Environment: BENCH_HOOK_SAMPLE, BENCH_SCALE, BENCH_CPU_PROF=1, BENCH_KEEP=1, BENCH_IMAGE (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

command -v curl >/dev/null || { say "bench: curl not found; the curl-loop baseline needs it (Debian: apt-get install -y curl)."; exit 2; }
command -v java >/dev/null || { say "bench: java not found; Kafka and the registry need Java 17+ (Debian: apt-get install -y openjdk-17-jre-headless)."; exit 2; }

# Peak RSS comes from GNU time; without it only Node processes report theirs.
if [[ ! -x /usr/bin/time ]] && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  say "bench: installing GNU time (peak RSS figures)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >"$SYNCHOOK_CACHE/bench-time-install.log" 2>&1 ||
    say "bench: could not install GNU time (log: $SYNCHOOK_CACHE/bench-time-install.log); peak RSS is measured for Node processes only."
fi

bash scripts/install-test-deps.sh services
say "bench: building synchook"
npm run build --silent
exec node --import tsx bench/run.ts "$@"
