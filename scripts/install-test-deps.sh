#!/usr/bin/env bash
# Installs everything the test suites need that npm does not: the Kafka jars (3.9 and 4.x), the
# Kafka Connect jars, the schema registry, terraform, kustomize, helm, kube-apiserver with etcd and the CRDs the manifests
# use, and a Docker engine with a local base image. Every step is idempotent and cached under
# $SYNCHOOK_CACHE (default ~/.cache/synchook), so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

what="${1:-all}"
step() {
  local name="$1"; shift
  local started=$SECONDS
  say "setup: $name"
  "$@"
  say "setup: $name done in $((SECONDS - started)) s"
}

case "$what" in
  all|all-but-kubernetes|services)
    step "Kafka jars" bash scripts/install-kafka.sh
    step "schema registry" bash scripts/install-registry.sh
    step "Kafka Connect jars" bash scripts/install-connect.sh
    ;;&
  all|all-but-kubernetes)
    [ -f scripts/install-terraform.sh ] && step "terraform" bash scripts/install-terraform.sh
    [ -f scripts/install-kustomize.sh ] && step "kustomize" bash scripts/install-kustomize.sh
    [ -f scripts/install-helm.sh ] && step "helm" bash scripts/install-helm.sh
    ;;&
  all|kubernetes)
    # The first build of kube-apiserver is long; scripts/test.sh runs this part in the background.
    step "kube-apiserver and etcd" bash scripts/install-kube-apiserver.sh
    step "Kubernetes CRDs" bash scripts/install-kubernetes-crds.sh
    ;;&
  all|all-but-kubernetes|services|kubernetes) ;;
  *) say "usage: $0 [all|all-but-kubernetes|services|kubernetes]"; exit 2 ;;
esac
