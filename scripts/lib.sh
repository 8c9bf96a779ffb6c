# Shared by the scripts: the cache folder and a log helper.
SYNCHOOK_CACHE="${SYNCHOOK_CACHE:-$HOME/.cache/synchook}"
export SYNCHOOK_CACHE
mkdir -p "$SYNCHOOK_CACHE"
say() { printf '%s\n' "$*" >&2; }

# The Node.js release the image is built on (scripts/base-image.sh; the Dockerfile's
# node:22-bookworm-slim) and the oldest major package.json's engines accept.
SYNCHOOK_IMAGE_NODE_VERSION=22.23.3
SYNCHOOK_NODE_MAJOR=22

# use_supported_node: when the node on PATH is older than SYNCHOOK_NODE_MAJOR, put the image's
# Node (scripts/install-node.sh, cached) first on PATH, for this script and what it starts
# (npm, npx, vitest and the CLI all run on the node found on PATH).
use_supported_node() {
  local current major
  current="$(node --version 2>/dev/null || echo v0)"
  major="${current#v}"
  major="${major%%.*}"
  if (( major >= SYNCHOOK_NODE_MAJOR )); then
    return 0
  fi
  local bin
  bin="$(bash "$(dirname "${BASH_SOURCE[0]}")/install-node.sh")" || return 1
  say "node $current is older than $SYNCHOOK_NODE_MAJOR: using $("$bin/node" --version) from $bin"
  export PATH="$bin:$PATH"
}

# install_go_tool NAME VERSION PACKAGE CHECK [go install flags...]
# Builds PACKAGE@vVERSION with `go install` into $SYNCHOOK_CACHE/NAME-VERSION/bin/NAME and prints
# the binary's path; nothing is built when `CHECK <binary>` already succeeds. Two runs at once
# wait for each other (flock). GOFLAGS=-mod=mod: resolve from the module's own go.mod whatever a
# surrounding GOFLAGS says. GOTOOLCHAIN=local: build with the installed Go, never download
# another. CGO off: a static binary that runs in any image.
install_go_tool() {
  local name=$1 version=$2 package=$3 check=$4
  shift 4
  local home="$SYNCHOOK_CACHE/$name-$version"
  local binary="$home/bin/$name"
  if "$check" "$binary"; then
    say "$name $version: cached in $binary"
    echo "$binary"
    return 0
  fi
  command -v go >/dev/null || { say "install-$name: go not found; $name $version is built from source with Go (https://go.dev/dl/)."; return 1; }
  command -v flock >/dev/null || { say "install-$name: flock not found (Debian: apt-get install -y util-linux)."; return 1; }
  mkdir -p "$home"
  local lock_fd
  exec {lock_fd}>"$SYNCHOOK_CACHE/.$name-$version.lock"
  flock "$lock_fd"
  if "$check" "$binary"; then
    exec {lock_fd}>&-
    echo "$binary"
    return 0
  fi
  local started=$SECONDS log="$home/build.log" work="$home/bin.partial"
  rm -rf "$work" && mkdir -p "$work"
  if ! (cd "$home" && env GOBIN="$work" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on \
        go install -trimpath "$@" "$package@v$version") </dev/null >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    say "install-$name: go install $package@v$version failed (full log: $log). Check that the Go module proxy ($(go env GOPROXY)) is reachable and that the installed Go is at least the release the module's go.mod names."
    exec {lock_fd}>&-
    return 1
  fi
  mkdir -p "$home/bin"
  # go install names the binary after the package path (kustomize/v5 gives "kustomize"): the one file.
  local built=("$work"/*)
  mv -f "${built[0]}" "$binary"
  rm -rf "$work"
  exec {lock_fd}>&-
  "$check" "$binary" || { say "install-$name: $binary was built but does not report $version; see $log."; return 1; }
  say "$name $version: built into $binary in $((SECONDS - started)) s"
  echo "$binary"
}
