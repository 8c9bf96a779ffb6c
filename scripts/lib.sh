# Shared by the scripts: the cache folder and a log helper.
SYNCHOOK_CACHE="${SYNCHOOK_CACHE:-$HOME/.cache/synchook}"
export SYNCHOOK_CACHE
mkdir -p "$SYNCHOOK_CACHE"
say() { printf '%s\n' "$*" >&2; }
