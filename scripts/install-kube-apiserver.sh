#!/usr/bin/env bash
# Builds a real Kubernetes API server and the etcd it stores its data in, both from the Go module
# proxy, into
#   ${SYNCHOOK_CACHE:-$HOME/.cache/synchook}/kubernetes-<version>/bin/{kube-apiserver,etcd}
# for the tests that server-side apply hooks/ and manifests/ and run the ArgoCD commit discovery
# against a real API server (test/harness/kubernetes.ts). Never uses binaries found on PATH: every
# machine must test against the same versions.
#
# Usage: scripts/install-kube-apiserver.sh     prints the bin folder on stdout
#
# Idempotent: when both binaries exist and report their versions, nothing is built. The first build
# takes 10 to 30 minutes on two cores (kube-apiserver is large); the result is cached.
# One line of output on stderr per step; on failure the tail of the build log and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# k8s.io/kubernetes v1.37.2 asks for Go 1.26.0; its staging modules (k8s.io/api, ...) are
# published as v0.37.2. etcd 3.6 is the release line Kubernetes 1.34+ documents as supported.
KUBERNETES_VERSION=1.37.2
ETCD_VERSION=3.6.16
HOME_DIR="$SYNCHOOK_CACHE/kubernetes-$KUBERNETES_VERSION"
BIN="$HOME_DIR/bin"

fail() {
  say "install-kube-apiserver: $*"
  exit 1
}

# Reads the whole output before matching: with `cmd | grep -q` under pipefail, grep may exit on
# the first match and the writer's SIGPIPE would fail the check.
reports() {
  local output
  output="$("$@" 2>/dev/null)" || return 1
  [[ $output == *"$EXPECTED"* ]]
}

apiserver_installed() {
  [[ -x $BIN/kube-apiserver ]] && EXPECTED="Kubernetes v$KUBERNETES_VERSION" reports "$BIN/kube-apiserver" --version
}

etcd_installed() {
  [[ -x $BIN/etcd ]] && EXPECTED="etcd Version: $ETCD_VERSION" reports "$BIN/etcd" --version
}

if apiserver_installed && etcd_installed; then
  say "kube-apiserver $KUBERNETES_VERSION and etcd $ETCD_VERSION: cached in $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || fail "go not found; kube-apiserver $KUBERNETES_VERSION is built from source with Go 1.26+ (https://go.dev/dl/)."
command -v flock >/dev/null || fail "flock not found (Debian: apt-get install -y util-linux)."

mkdir -p "$BIN"
# Two test runs building at once must not race on the same output.
exec {lock_fd}>"$SYNCHOOK_CACHE/.kubernetes-$KUBERNETES_VERSION.lock"
flock "$lock_fd"

# GOFLAGS=-mod=mod: resolve from the generated go.mod and record go.sum, whatever a surrounding
# GOFLAGS says. GOTOOLCHAIN=local: build with the Go that is installed, never download another
# toolchain. CGO off: static binaries.
go_env=(env GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on)

# build_in <module folder> <log> <output> <package> [go build flags...]
build_in() {
  local dir="$1" log="$2" output="$3" package="$4"
  shift 4
  if ! (cd "$dir" && "${go_env[@]}" go build -trimpath "$@" -o "$output.partial" "$package") </dev/null >>"$log" 2>&1; then
    tail -n 25 "$log" >&2
    fail "go build $package failed (full log: $log). Check that the Go module proxy ($(go env GOPROXY)) is reachable and that $(go version | cut -d' ' -f3) is at least the go version in the module's go.mod."
  fi
  mv -f "$output.partial" "$output"
}

if ! etcd_installed; then
  started=$SECONDS
  log="$HOME_DIR/etcd-build.log"
  module="$HOME_DIR/etcd-module"
  rm -rf "$module" && mkdir -p "$module"
  : >"$log"
  say "etcd $ETCD_VERSION: building from the Go module proxy"
  # `go install go.etcd.io/etcd/server/v3@v...` is refused: its go.mod replaces the sibling modules
  # with ../api, ../client/...; as a dependency of a module of our own, those replacements do not apply.
  printf 'module synchook.test/etcd\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" >"$module/go.mod"
  build_in "$module" "$log" "$BIN/etcd" go.etcd.io/etcd/server/v3 -ldflags "-s -w"
  etcd_installed || fail "$BIN/etcd was built but does not report etcd Version: $ETCD_VERSION; see $log."
  say "etcd $ETCD_VERSION: built into $BIN in $((SECONDS - started)) s"
fi

if ! apiserver_installed; then
  started=$SECONDS
  log="$HOME_DIR/kube-apiserver-build.log"
  module="$HOME_DIR/kube-apiserver-module"
  rm -rf "$module" && mkdir -p "$module"
  : >"$log"
  say "kube-apiserver $KUBERNETES_VERSION: building from the Go module proxy (10 to 30 minutes on two cores, depending on load; cached afterwards)"
  # `go install k8s.io/kubernetes/cmd/kube-apiserver@v...` is refused: k8s.io/kubernetes's go.mod
  # replaces every k8s.io staging module with ./staging/src/k8s.io/<name>. A module of our own that
  # requires k8s.io/kubernetes and replaces each staging module with its published v0.<minor>.<patch>
  # release builds the same sources.
  kubernetes_gomod="$(cd "$module" && "${go_env[@]}" go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" 2>>"$log" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')" || true
  [[ -n $kubernetes_gomod && -f $kubernetes_gomod ]] || { tail -n 25 "$log" >&2; fail "go mod download k8s.io/kubernetes@v$KUBERNETES_VERSION failed (full log: $log)."; }
  staging_version="v0.${KUBERNETES_VERSION#1.}"
  go_directive="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$kubernetes_gomod")"
  {
    echo "module synchook.test/kube-apiserver"
    echo
    echo "go $go_directive"
    echo
    echo "require k8s.io/kubernetes v$KUBERNETES_VERSION"
    echo
    echo "replace ("
    sed -n 's|^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => \./staging/src/k8s.io/.*$|\t\1 => \1 '"$staging_version"'|p' "$kubernetes_gomod"
    echo ")"
  } >"$module/go.mod"
  grep -q 'k8s.io/apiserver => ' "$module/go.mod" || fail "no staging replace directives found in $kubernetes_gomod; the generated $module/go.mod would not build."
  # The version the binary reports (hack/lib/version.sh sets the same variables in a release build).
  version_flags="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION"
  version_flags+=" -X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION%%.*}"
  minor="${KUBERNETES_VERSION#*.}"
  version_flags+=" -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
  version_flags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  version_flags+=" -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION"
  build_in "$module" "$log" "$BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver -ldflags "-s -w $version_flags"
  apiserver_installed || fail "$BIN/kube-apiserver was built but does not report Kubernetes v$KUBERNETES_VERSION; see $log."
  say "kube-apiserver $KUBERNETES_VERSION: built into $BIN in $((SECONDS - started)) s"
fi

echo "$BIN"
