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
HOME_DIR="$SYNCHOOK_CACHE/kustomize-$VERSION"
BINARY="$HOME_DIR/bin/kustomize"

fail() {
  say "install-kustomize: $*"
  exit 1
}

is_installed() {
  [[ -x $BINARY ]] && "$BINARY" version 2>/dev/null | grep -q "v$VERSION"
}

if is_installed; then
  say "kustomize $VERSION: cached in $BINARY"
  echo "$BINARY"
  exit 0
fi
command -v go >/dev/null || fail "go not found; kustomize $VERSION is built from source with Go (https://go.dev/dl/)."

mkdir -p "$HOME_DIR"
exec {lock_fd}>"$SYNCHOOK_CACHE/.kustomize-$VERSION.lock"
flock "$lock_fd"
if is_installed; then
  echo "$BINARY"
  exit 0
fi

started=$SECONDS
log="$HOME_DIR/build.log"
work="$HOME_DIR/bin.partial"
rm -rf "$work" && mkdir -p "$work"
# GOFLAGS=-mod=mod: resolve from the module's own go.mod whatever a surrounding GOFLAGS says.
# GOTOOLCHAIN=local: never download another Go toolchain. CGO off: a static binary.
if ! (cd "$HOME_DIR" && env GOBIN="$work" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on \
      go install -trimpath "sigs.k8s.io/kustomize/kustomize/v5@v$VERSION") </dev/null >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  fail "go install sigs.k8s.io/kustomize/kustomize/v5@v$VERSION failed (full log: $log). Check that the Go module proxy ($(go env GOPROXY)) is reachable."
fi
mkdir -p "$HOME_DIR/bin"
mv -f "$work/kustomize" "$BINARY"
rm -rf "$work"
# Built with go install, the binary may report "(devel)"; the module version is what counts.
[[ -x $BINARY ]] || fail "$BINARY was not built; see $log."
say "kustomize $VERSION: built into $BINARY in $((SECONDS - started)) s"
echo "$BINARY"
