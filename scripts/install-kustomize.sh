#!/usr/bin/env bash
# Builds kustomize from the Go module proxy into
#   ${SYNCHOOK_CACHE:-$HOME/.cache/synchook}/kustomize-<version>/bin/kustomize
# for the manifest tests (kustomize build of hooks/ and manifests/). It never uses a kustomize
# found on PATH, so every machine renders the manifests with the same version.
#
# Usage: scripts/install-kustomize.sh      prints the path of the binary on stdout
#
# Idempotent: when the binary exists and reports the version, nothing is built.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

VERSION=5.7.1

reports_version() {
  [[ -x $1 ]] || return 1
  # The whole output first, then the comparison: `| grep -q` exits at the first match and the
  # writer's next write dies of SIGPIPE, which pipefail reports as a failed check.
  local reported
  reported="$("$1" version 2>/dev/null)" || return 1
  [[ $reported == *"v$VERSION"* ]]
}

install_go_tool kustomize "$VERSION" sigs.k8s.io/kustomize/kustomize/v5 reports_version
