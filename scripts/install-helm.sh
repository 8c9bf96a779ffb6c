#!/usr/bin/env bash
# Builds Helm from the Go module proxy into
#   ${SYNCHOOK_CACHE:-$HOME/.cache/synchook}/helm-<version>/bin/helm
# for the chart tests (helm lint and helm template of hooks/helm/synchook). It never uses a helm
# found on PATH, so every machine renders the chart with the same version.
#
# Usage: scripts/install-helm.sh      prints the path of the binary on stdout
#
# Idempotent: when the binary exists and reports the version, nothing is built. Needs the Go
# release helm's go.mod asks for (1.26 for 4.3.x), installed: GOTOOLCHAIN=local never downloads one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

VERSION=4.3.2

reports_version() {
  [[ -x $1 ]] || return 1
  # The whole output first, then the comparison (see install-kustomize.sh).
  local reported
  reported="$("$1" version --template '{{.Version}}' 2>/dev/null)" || return 1
  [[ $reported == "v$VERSION" ]]
}

# The version is stamped the way helm's Makefile does it (LDFLAGS), or helm reports only "v4.3".
install_go_tool helm "$VERSION" helm.sh/helm/v4/cmd/helm reports_version \
  -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v$VERSION"
