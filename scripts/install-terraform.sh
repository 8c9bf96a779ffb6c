#!/usr/bin/env bash
# Builds Terraform 1.5.7 (the last release under the MPL) from the Go module proxy into
#   ${SYNCHOOK_CACHE:-$HOME/.cache/synchook}/terraform-1.5.7/bin/terraform
# for the tests of the terraform task. It never uses a terraform found on PATH: the tests must see
# the same version on every machine.
#
# Usage: scripts/install-terraform.sh            prints the path of the binary on stdout
#
# Idempotent: when the binary exists and reports 1.5.7, nothing is built. Needs Go 1.20+ (the
# module's go.mod asks for 1.20). One line of output on stderr; on failure the tail of the build
# log and a non-zero exit.
set -euo pipefail

VERSION=1.5.7
CACHE_ROOT="${SYNCHOOK_CACHE:-$HOME/.cache/synchook}"
HOME_DIR="$CACHE_ROOT/terraform-$VERSION"
BINARY="$HOME_DIR/bin/terraform"

fail() {
  echo "install-terraform: $*" >&2
  exit 1
}

is_installed() {
  # CHECKPOINT_DISABLE: `terraform version` would otherwise ask checkpoint-api.hashicorp.com for updates.
  [[ -x $BINARY ]] && CHECKPOINT_DISABLE=1 "$BINARY" version 2>/dev/null | head -n1 | grep -qx "Terraform v$VERSION"
}

if is_installed; then
  echo "terraform $VERSION: cached in $BINARY" >&2
  echo "$BINARY"
  exit 0
fi

command -v go >/dev/null || fail "go not found; Terraform $VERSION is built from source with Go 1.20+ (https://go.dev/dl/)."
command -v flock >/dev/null || fail "flock not found (Debian: apt-get install -y util-linux)."

mkdir -p "$HOME_DIR"
# Two test runs building at once must not race on the same output.
exec {lock_fd}>"$CACHE_ROOT/.terraform-$VERSION.lock"
flock "$lock_fd"
if is_installed; then
  echo "terraform $VERSION: cached in $BINARY" >&2
  echo "$BINARY"
  exit 0
fi

started=$SECONDS
log="$HOME_DIR/build.log"
work="$HOME_DIR/bin.partial"
rm -rf "$work"
mkdir -p "$work"
# GOFLAGS=-mod=mod: `go install pkg@version` must resolve from the module's own go.mod, whatever a
# surrounding GOFLAGS says. GOTOOLCHAIN=local: build with the Go that is installed, never download
# another toolchain. CGO off: a static binary that runs in any image.
if ! (cd "$HOME_DIR" && env GOBIN="$work" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on \
      go install -trimpath "github.com/hashicorp/terraform@v$VERSION") </dev/null >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  fail "go install github.com/hashicorp/terraform@v$VERSION failed (full log: $log). Check that the Go module proxy ($(go env GOPROXY)) is reachable."
fi
mkdir -p "$HOME_DIR/bin"
mv -f "$work/terraform" "$BINARY"
rm -rf "$work"
is_installed || fail "$BINARY was built but does not report Terraform v$VERSION; see $log."
echo "terraform $VERSION: built into $BINARY in $((SECONDS - started)) s" >&2
echo "$BINARY"
