#!/usr/bin/env bash
# Fetches the published CustomResourceDefinitions of the projects whose resources hooks/ and
# manifests/ declare (Argo CD, Flux, Sealed Secrets, External Secrets, Strimzi) into
#   ${SYNCHOOK_CACHE:-$HOME/.cache/synchook}/kubernetes-crds-<versions>/<project>/*.yaml
# so that the tests against the real API server (test/kubernetes/) install them and let the API
# server itself accept or reject each resource.
#
# Usage: scripts/install-kubernetes-crds.sh     prints the folder on stdout
#
# Where each comes from (only the npm registry, Maven Central and the Go module proxy are used):
# - Argo CD, Flux, Sealed Secrets, External Secrets: the Go module proxy serves every tagged
#   release of a repository with a go.mod as a zip of the whole tree, CRD files included
#   (https://go.dev/ref/mod#zip-files). The zip is fetched with curl: `go mod download` refuses
#   a module whose go.mod asks for a newer Go than the installed one, which is irrelevant here.
# - Strimzi: the repository has no go.mod and its tags have no "v", so the Go module proxy does
#   not serve it. Maven Central has io.strimzi:api (the CRD model classes) and
#   io.strimzi:crd-generator, the tool Strimzi's own build runs over those classes to write
#   packaging/install/cluster-operator/04x-Crd-*.yaml; running it here gives the same CRDs.
#   0.45.0 is the newest release with both artifacts on Maven Central whose crd-generator runs on
#   Java 17 (crd-generator 1.2.0 needs Java 21); it serves kafka.strimzi.io/v1beta2.
# - Flux's helm-controller is not fetched: the Go module proxy answers 403 for its root module,
#   so HelmRelease resources are reported as skipped by the tests.
#
# Idempotent: a complete folder is reused; nothing is fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ARGOCD_VERSION=3.6.1
FLUX_SOURCE_VERSION=1.10.1
FLUX_KUSTOMIZE_VERSION=1.10.1
SEALED_SECRETS_VERSION=0.40.0
EXTERNAL_SECRETS_VERSION=1.3.2
STRIMZI_VERSION=0.45.0
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

DIR="$SYNCHOOK_CACHE/kubernetes-crds-argocd-$ARGOCD_VERSION-flux-$FLUX_SOURCE_VERSION-$FLUX_KUSTOMIZE_VERSION-sealed-secrets-$SEALED_SECRETS_VERSION-external-secrets-$EXTERNAL_SECRETS_VERSION-strimzi-$STRIMZI_VERSION"
MARKER="$DIR/.complete"

fail() {
  say "install-kubernetes-crds: $*"
  exit 1
}

if [[ -f $MARKER ]]; then
  say "CRDs (Argo CD $ARGOCD_VERSION, Flux, Sealed Secrets, External Secrets, Strimzi $STRIMZI_VERSION): cached in $DIR"
  echo "$DIR"
  exit 0
fi
command -v curl >/dev/null || fail "curl not found (Debian: apt-get install -y curl)."
command -v unzip >/dev/null || fail "unzip not found (Debian: apt-get install -y unzip)."
command -v mvn >/dev/null || fail "mvn not found; install Maven 3.8+ (Debian: apt-get install -y maven)."
command -v java >/dev/null || fail "java not found; install Java 17+ (Debian: apt-get install -y openjdk-17-jre-headless)."

mkdir -p "$SYNCHOOK_CACHE"
exec {lock_fd}>"$SYNCHOOK_CACHE/.kubernetes-crds.lock"
flock "$lock_fd"
if [[ -f $MARKER ]]; then
  echo "$DIR"
  exit 0
fi

started=$SECONDS
work="$DIR.partial"
rm -rf "$work" && mkdir -p "$work"

# The first proxy of GOPROXY that is a URL; proxy.golang.org when go is absent or says "direct".
proxy="https://proxy.golang.org"
if command -v go >/dev/null; then
  first="$(go env GOPROXY | cut -d, -f1 | cut -d'|' -f1)"
  [[ $first == http* ]] && proxy="${first%/}"
fi

# from_module <project> <module path> <version> <folder inside the repository>
# Copies every *.yaml of that folder that is a CustomResourceDefinition.
from_module() {
  local project="$1" module="$2" version="$3" folder="$4"
  local zip="$work/$project.zip" unpacked="$work/$project.unpacked"
  # Module paths are case-encoded in proxy URLs (capitals as !lowercase); these are all lowercase.
  curl -fsSL --retry 3 -o "$zip" "$proxy/$module/@v/v$version.zip" \
    || fail "could not download $proxy/$module/@v/v$version.zip (the $project CRDs)."
  unzip -q -o "$zip" "$module@v$version/$folder/*.yaml" -d "$unpacked" \
    || fail "$module@v$version has no $folder/*.yaml; the $project CRDs moved."
  mkdir -p "$work/$project"
  local file count=0
  for file in "$unpacked/$module@v$version/$folder"/*.yaml; do
    grep -q '^kind: CustomResourceDefinition' "$file" || continue
    cp "$file" "$work/$project/"
    count=$((count + 1))
  done
  ((count > 0)) || fail "no CustomResourceDefinition in $module@v$version/$folder."
  rm -rf "$zip" "$unpacked"
  say "CRDs: $project from $module@v$version/$folder ($count)"
}

from_module argocd github.com/argoproj/argo-cd/v3 "$ARGOCD_VERSION" manifests/crds
from_module flux-source github.com/fluxcd/source-controller "$FLUX_SOURCE_VERSION" config/crd/bases
from_module flux-kustomize github.com/fluxcd/kustomize-controller "$FLUX_KUSTOMIZE_VERSION" config/crd/bases
from_module sealed-secrets github.com/bitnami-labs/sealed-secrets "$SEALED_SECRETS_VERSION" helm/sealed-secrets/crds
from_module external-secrets github.com/external-secrets/external-secrets "$EXTERNAL_SECRETS_VERSION" config/crds/bases

# Strimzi: generated from io.strimzi:api with io.strimzi:crd-generator (see the top of this file).
strimzi="$work/strimzi.maven"
mkdir -p "$strimzi" "$work/strimzi"
cat >"$strimzi/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>synchook.test</groupId>
  <artifactId>strimzi-crds</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>$STRIMZI_VERSION</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>$STRIMZI_VERSION</version></dependency>
  </dependencies>
</project>
EOF
if ! mvn -q -B --no-transfer-progress -Dstyle.color=never -f "$strimzi/pom.xml" "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -DoutputDirectory="$strimzi/lib" >"$strimzi/maven.log" 2>&1 </dev/null; then
  tail -n 25 "$strimzi/maven.log" >&2
  fail "Maven could not resolve io.strimzi:api and io.strimzi:crd-generator $STRIMZI_VERSION from Maven Central."
fi
# The options Strimzi's api/pom.xml passes: only v1beta2, stored as v1beta2.
model=io.strimzi.api.kafka.model
if ! java -cp "$strimzi/lib/*" io.strimzi.crdgenerator.CrdGenerator --yaml \
    --label strimzi.io/crd-install:true --label app:strimzi \
    --api-versions v1beta2 --storage-version v1beta2 \
    "$model.kafka.Kafka=$work/strimzi/kafkas.kafka.strimzi.io.yaml" \
    "$model.nodepool.KafkaNodePool=$work/strimzi/kafkanodepools.kafka.strimzi.io.yaml" \
    "$model.topic.KafkaTopic=$work/strimzi/kafkatopics.kafka.strimzi.io.yaml" \
    "$model.user.KafkaUser=$work/strimzi/kafkausers.kafka.strimzi.io.yaml" >"$strimzi/generator.log" 2>&1 </dev/null; then
  grep -v SLF4J "$strimzi/generator.log" | tail -n 25 >&2
  fail "Strimzi's crd-generator $STRIMZI_VERSION failed."
fi
rm -rf "$strimzi"
say "CRDs: strimzi generated from io.strimzi:api $STRIMZI_VERSION (4)"

touch "$work/.complete"
rm -rf "$DIR"
mv "$work" "$DIR"
say "CRDs: fetched into $DIR in $((SECONDS - started)) s"
echo "$DIR"
