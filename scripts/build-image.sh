#!/usr/bin/env bash
# Builds the synchook image from the Dockerfile with the project's own Docker engine
# (scripts/docker-daemon.sh) and, unless --base names another, the local base image
# (scripts/base-image.sh), so that nothing has to be pulled.
#
# Usage: scripts/build-image.sh [--tag synchook:dev] [--base IMAGE]
#                               [--terraform BINARY --terraform-version X.Y.Z]
#   --tag                the image's tag (default synchook:dev)
#   --base               BASE_IMAGE build argument (default: the local base image)
#   --terraform          put this terraform binary into the image (TERRAFORM_SOURCE=context); its
#                        sha256 is pinned as TERRAFORM_SHA256 and checked in the build
#   --terraform-version  the version the binary must report (required with --terraform)
# Prints the tag on stdout and the image size on stderr. Layers are cached by the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

tag=synchook:dev
base=""
terraform_binary=""
terraform_version=""
while (( $# > 0 )); do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --terraform) terraform_binary="$2"; shift 2 ;;
    --terraform-version) terraform_version="$2"; shift 2 ;;
    *) say "usage: $0 [--tag TAG] [--base IMAGE] [--terraform BINARY --terraform-version X.Y.Z]"; exit 2 ;;
  esac
done
if [[ -n $terraform_binary && -z $terraform_version ]]; then
  say "build-image: --terraform needs --terraform-version (the version the binary reports)."
  exit 2
fi

eval "export $(bash scripts/docker-daemon.sh start)"
docker_cli() {
  if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi
}
[[ -n $base ]] || base="$(bash scripts/base-image.sh)"

version="$(node -p 'require("./package.json").version')"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [[ $revision != unknown ]] && [[ -n "$(git status --porcelain -- src package.json package-lock.json Dockerfile 2>/dev/null)" ]]; then
  revision="$revision-dirty"
fi
source_url="$(git config --get remote.origin.url 2>/dev/null || true)"
source_url="${source_url:-https://github.com/synchook/synchook}"

args=(
  --network host
  --build-arg "BASE_IMAGE=$base"
  --build-arg "VERSION=$version"
  --build-arg "REVISION=$revision"
  --build-arg "SOURCE=$source_url"
  --tag "$tag"
)
log="$SYNCHOOK_CACHE/build-image.log"
started=$SECONDS

# The legacy builder takes one context. It is streamed as a tar of the files the image is built
# from (the same allow list as .dockerignore) plus, under scripts/image/, what this machine adds:
# the CA of a TLS-inspecting proxy for npm, and a terraform binary when asked for.
extra="$(mktemp -d)"
trap 'rm -rf "$extra"' EXIT
ca_file="${SYNCHOOK_BUILD_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}"
if [[ -n $ca_file ]]; then
  [[ -r $ca_file ]] || { say "build-image: the CA file $ca_file (SYNCHOOK_BUILD_CA_FILE or NODE_EXTRA_CA_CERTS) is not readable."; exit 2; }
  mkdir -p "$extra/scripts/image/ca" && cp "$ca_file" "$extra/scripts/image/ca/build-ca.crt"
fi
if [[ -n $terraform_binary ]]; then
  [[ -f $terraform_binary && -x $terraform_binary ]] || { say "build-image: $terraform_binary is not an executable file."; exit 2; }
  sha="$(sha256sum "$terraform_binary" | cut -d' ' -f1)"
  args+=(--build-arg "TERRAFORM_VERSION=$terraform_version" --build-arg "TERRAFORM_SHA256=$sha" --build-arg TERRAFORM_SOURCE=context)
  mkdir -p "$extra/scripts/image" && cp "$terraform_binary" "$extra/scripts/image/terraform"
fi
extra_files=()
[[ -d $extra/scripts ]] && extra_files=(-C "$extra" scripts/image)

say "build-image: building $tag on $base"
status=0
{ tar -cf - Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json src schema scripts/image "${extra_files[@]}" |
    DOCKER_BUILDKIT=0 docker_cli build "${args[@]}" -; } >"$log" 2>&1 || status=$?
if (( status != 0 )); then
  tail -n 40 "$log" >&2
  say "build-image: docker build failed (full log: $log)."
  exit 1
fi
# The image this tag pointed at before is left untagged; remove such leftovers of synchook images
# only (the label is on the runtime stage alone, so the cached build stages stay).
docker_cli image prune --force --filter label=org.opencontainers.image.title=synchook >/dev/null 2>&1 || true
size="$(docker_cli image inspect --format '{{.Size}}' "$tag")"
say "build-image: $tag built in $((SECONDS - started)) s; image size $((size / 1000000)) MB ($size bytes)"
echo "$tag"
