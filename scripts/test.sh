#!/usr/bin/env bash
# The whole test suite, as CI runs it: builds, installs what the tests need (cached), then runs
# unit tests, the integration suite against Kafka 3.9 and against Kafka 4.x (each with the real
# schema registry), the cluster suite against a three-node Kafka 4.x, the manifests against a real
# Kubernetes API server, and the end-to-end test of the container image.
# The unit suite starts with the static checks: the layering rules (dependency-cruiser,
# .dependency-cruiser.cjs) and unused files, exports and dependencies (knip, knip.jsonc).
# SYNCHOOK_TEST_SUITES limits the suites, e.g. SYNCHOOK_TEST_SUITES="unit integration-3.9";
# "checks" runs the static checks alone.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# The tests and the CLI run on the Node major the image ships (fetched and cached when this
# machine's node is older): package.json's engines ask for it.
use_supported_node || { say "no Node.js $SYNCHOOK_NODE_MAJOR or newer, and scripts/install-node.sh could not fetch one"; exit 1; }

suites="${SYNCHOOK_TEST_SUITES:-unit integration-3.9 integration-4 cluster kubernetes e2e}"
results=.test-results
rm -rf "$results" && mkdir -p "$results"
started=$SECONDS

npm run build --silent || { say "build failed"; exit 1; }
npx tsc -p tsconfig.json --noEmit || { say "type check failed"; exit 1; }
# The Kubernetes part (a first build of kube-apiserver takes 10 to 30 minutes on two cores) is
# installed in the background, at low priority, while the other suites run; the kubernetes suite
# waits for it.
kubernetes_setup=""
case " $suites " in
  *" kubernetes "*)
    nice -n 19 bash scripts/install-test-deps.sh kubernetes >"$results/kubernetes-setup.log" 2>&1 &
    kubernetes_setup=$!
    ;;
esac
case " $suites " in
  *" integration"*|*" cluster "*|*" e2e "*) bash scripts/install-test-deps.sh all-but-kubernetes || { say "installing the test dependencies failed"; exit 1; } ;;
  *" kubernetes "*) [ -f scripts/install-kustomize.sh ] && { bash scripts/install-kustomize.sh >/dev/null || { say "installing kustomize failed"; exit 1; }; } ;;
esac

status=0
run_suite() {
  local name="$1"; shift
  say ""
  say "=== $name ==="
  if ! "$@" --reporter=default --reporter=json --outputFile="$results/$name.json"; then
    status=1
    say "=== $name: FAILED ==="
  fi
}

run_checks() {
  say ""
  say "=== checks ==="
  npm run --silent check:deps || { status=1; say "=== checks: the layering is broken (npm run check:deps) ==="; }
  npm run --silent check:unused || { status=1; say "=== checks: unused code or dependencies (npm run check:unused) ==="; }
}

for suite in $suites; do
  case "$suite" in
    checks) run_checks ;;
    unit) run_checks; run_suite unit npx vitest run --project unit ;;
    integration-3.9) SYNCHOOK_KAFKA_VERSION=3.9 run_suite integration-kafka-3.9 npx vitest run --project integration ;;
    integration-4) SYNCHOOK_KAFKA_VERSION=4 run_suite integration-kafka-4 npx vitest run --project integration ;;
    # The three-node cluster runs on one release, the newest (KIP-848 groups need 4.x); the
    # requests it exercises are also tested on both releases by the integration suites.
    cluster)
      cluster_kafka="${SYNCHOOK_CLUSTER_KAFKA_VERSION:-4}"
      SYNCHOOK_KAFKA_VERSION="$cluster_kafka" run_suite "cluster-kafka-$cluster_kafka" npx vitest run --project cluster
      ;;
    kubernetes)
      if [ -n "$kubernetes_setup" ] && ! wait "$kubernetes_setup"; then
        cat "$results/kubernetes-setup.log" >&2
        say "=== kubernetes: installing kube-apiserver, etcd or the CRDs failed ==="
        status=1
      else
        cat "$results/kubernetes-setup.log" >&2
        run_suite kubernetes npx vitest run --project kubernetes
      fi
      ;;
    e2e) [ -d test/e2e ] && ls test/e2e/*.test.ts >/dev/null 2>&1 && run_suite e2e npx vitest run --project e2e ;;
    *) say "unknown suite $suite"; status=2 ;;
  esac
done

node scripts/test-totals.mjs "$results" "$((SECONDS - started))" || status=1
exit $status
