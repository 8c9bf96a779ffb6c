# synchook: one image, run as a Kubernetes Job by ArgoCD or Flux around a deployment.
#
#   docker build -t synchook:dev .
#   docker build --build-arg TERRAFORM_VERSION=1.9.8 --build-arg TERRAFORM_SHA256=<sha256 of
#     terraform_1.9.8_linux_amd64.zip from its SHA256SUMS> -t synchook:dev-terraform .
#
# Build arguments:
#   BASE_IMAGE         a Node.js 22 image on glibc with npm (default: the official slim image). The
#                      build stage runs npm in it; the runtime takes only node and the libraries it
#                      links against from it.
#   VERSION, REVISION, SOURCE   the OCI labels (scripts/build-image.sh fills them from Git).
#   TERRAFORM_VERSION  empty (default): no terraform in the image. Otherwise that release, with
#   TERRAFORM_SHA256   the checksum it must match (required with TERRAFORM_VERSION), from
#   TERRAFORM_SOURCE   "release" (default: the official zip from releases.hashicorp.com; the
#                      checksum is the zip's) or "context" (a binary put in the build context at
#                      scripts/image/terraform, e.g. by scripts/build-image.sh --terraform <file>;
#                      the checksum is the binary's).
ARG BASE_IMAGE=node:22-bookworm-slim

# --- build: compile, then keep the production dependencies only ---------------------------------
FROM ${BASE_IMAGE} AS build
WORKDIR /src
ENV NODE_ENV=development npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Behind a TLS-inspecting proxy, put its CA at scripts/image/ca/build-ca.crt (scripts/build-image.sh
# does so from $NODE_EXTRA_CA_CERTS); it is used by the build only, never part of the image.
COPY scripts/image/ca/ /tmp/ca/
COPY package.json package-lock.json ./
# No install scripts: nothing at run time needs one, and the "prepare" build runs below, once.
RUN if [ -f /tmp/ca/build-ca.crt ]; then export NODE_EXTRA_CA_CERTS=/tmp/ca/build-ca.crt; fi; \
    npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schema ./schema
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && chmod 0755 dist/cli.js \
 # Type declarations, source maps and Markdown of the dependencies are never loaded at run time.
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
      -o -name '*.tsbuildinfo' -o \( -name '*.md' ! -iname 'license*' \) \) -delete \
 && rm -rf node_modules/.package-lock.json node_modules/.bin

# --- terraform (optional) ------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS terraform
ARG TERRAFORM_VERSION=""
ARG TERRAFORM_SHA256=""
ARG TERRAFORM_SOURCE=release
COPY scripts/image/ /tmp/image/
RUN if [ -f /tmp/image/ca/build-ca.crt ]; then export NODE_EXTRA_CA_CERTS=/tmp/image/ca/build-ca.crt; fi; \
    node /tmp/image/terraform.mjs /out

# --- rootfs: node, the libraries it links against, and nothing else from the base --------------
FROM ${BASE_IMAGE} AS rootfs
RUN set -eu; \
    mkdir -p /rootfs/usr/local/bin /rootfs/usr/bin /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/app; \
    cp /usr/local/bin/node /rootfs/usr/local/bin/node; \
    # env runs the CLI's "#!/usr/bin/env node" line.
    cp /usr/bin/env /rootfs/usr/bin/env; \
    for library in $( { ldd /usr/local/bin/node; ldd /usr/bin/env; } | grep -o '/[^ ]*' | sort -u); do \
      cp -L --parents "$library" /rootfs; \
    done; \
    if [ -f /etc/ld.so.cache ]; then cp /etc/ld.so.cache /rootfs/etc/; fi; \
    # Node's own Mozilla CA store as the system bundle, for terraform (Go reads this file).
    node -e 'process.stdout.write(require("tls").rootCertificates.join("\n") + "\n")' > /rootfs/etc/ssl/certs/ca-certificates.crt; \
    printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:65532:65532:synchook:/tmp:/usr/sbin/nologin\n' > /rootfs/etc/passwd; \
    printf 'root:x:0:\nnonroot:x:65532:\n' > /rootfs/etc/group; \
    printf 'hosts: files dns\n' > /rootfs/etc/nsswitch.conf; \
    chmod 1777 /rootfs/tmp; \
    ln -s /app/dist/cli.js /rootfs/usr/local/bin/synchook; \
    /rootfs/usr/local/bin/node --version >/dev/null

# --- runtime ------------------------------------------------------------------------------------
FROM scratch AS runtime
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/synchook/synchook
COPY --from=rootfs /rootfs/ /
COPY --from=build /src/package.json /app/package.json
COPY --from=build /src/node_modules /app/node_modules
COPY --from=build /src/dist /app/dist
COPY --from=build /src/schema /app/schema
COPY --from=terraform /out/ /usr/local/bin/
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp
LABEL org.opencontainers.image.title="synchook" \
      org.opencontainers.image.description="GitOps PreSync/PostSync hook for event-driven applications: schemas, Kafka topics and ACLs, Terraform plan policy, smoke tests, commit statuses." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}"
# The config and its files are mounted here (a ConfigMap); relative --config paths start here.
WORKDIR /config
USER 65532:65532
# node runs as PID 1: synchook installs SIGTERM/SIGINT handlers, so `docker stop` and a Job's
# termination reach it. Run with `docker run --init` (or shareProcessNamespace in a Pod) to have
# orphaned grandchildren reaped as well.
ENTRYPOINT ["synchook"]
CMD ["--help"]
