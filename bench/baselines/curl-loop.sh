#!/usr/bin/env bash
# What a registration step in a deploy script does: one curl per subject, one after the other.
#
# Usage: curl-loop.sh REGISTRY_URL SUBJECTS_FILE
#   SUBJECTS_FILE: "subject<TAB>payload file" a line; the payload is the body of
#   POST /subjects/{subject}/versions ({"schemaType": ..., "schema": "..."}).
set -euo pipefail
registry="$1"
subjects_file="$2"

while IFS=$'\t' read -r subject payload; do
  [[ -n $subject ]] || continue
  curl --silent --show-error --fail-with-body -X POST \
    -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data-binary "@${payload}" "${registry}/subjects/${subject}/versions" >/dev/null
done <"$subjects_file"
