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
cd "$(dirname "$0")/.."
source scripts/lib.sh

VERSION=1.5.7

reports_version() {
  [[ -x $1 ]] || return 1
  # The whole output first, then the comparison: with `| head -n1`, head exits after one line and
  # terraform's next write dies of SIGPIPE, which pipefail reports as a failed check.
  # CHECKPOINT_DISABLE: `terraform version` would otherwise ask checkpoint-api.hashicorp.com for updates.
  local reported
  reported="$(CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || return 1
  [[ ${reported%%$'\n'*} == "Terraform v$VERSION" ]]
}

install_go_tool terraform "$VERSION" github.com/hashicorp/terraform reports_version
