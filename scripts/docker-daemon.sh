#!/usr/bin/env bash
# A Docker engine of the project's own, for building and running the image in tests and CI:
# Debian's docker.io, started with its own data root, exec root and unix socket under the cache,
# without a bridge network or iptables rules (containers use --network host, so every service
# stays on 127.0.0.1). Images survive restarts, so the base image is built once per machine.
#
# Usage: scripts/docker-daemon.sh [start]   install docker.io if missing, start the daemon if it is
#                                           not answering, wait until it is ready; prints
#                                           DOCKER_HOST=unix://... on stdout, and on stderr whether
#                                           it was started or already running
#        scripts/docker-daemon.sh stop      stop the daemon this script started (by its pid file)
#        scripts/docker-daemon.sh status    exit 0 when the daemon answers
#        scripts/docker-daemon.sh host      print DOCKER_HOST=unix://... (no side effects)
#
# Environment: SYNCHOOK_DOCKER_DIR (default $SYNCHOOK_CACHE/docker) holds data/, run/, the socket
# and dockerd.log. Needs root (installing packages, starting dockerd).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

DOCKER_DIR="${SYNCHOOK_DOCKER_DIR:-$SYNCHOOK_CACHE/docker}"
SOCKET="$DOCKER_DIR/docker.sock"
PIDFILE="$DOCKER_DIR/dockerd.pid"
LOG="$DOCKER_DIR/dockerd.log"
READY_TIMEOUT_S="${SYNCHOOK_DOCKER_READY_TIMEOUT:-90}"
export DOCKER_HOST="unix://$SOCKET"

fail() {
  say "docker-daemon: $*"
  exit 1
}

# The client that ships with the daemon speaks its API version; any docker client on PATH works too.
docker_cli() {
  if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi
}

answers() {
  [[ -S $SOCKET ]] && docker_cli version --format '{{.Server.Version}}' >/dev/null 2>&1
}

install_docker() {
  command -v dockerd >/dev/null && [[ -x /usr/bin/docker ]] && return 0
  [[ $(id -u) -eq 0 ]] || fail "dockerd is not installed and this is not root; install Debian's docker.io (apt-get install -y docker.io) and run again."
  command -v apt-get >/dev/null || fail "dockerd is not installed and apt-get is missing; install Docker Engine 20.10 or newer by hand."
  say "docker-daemon: installing Debian's docker.io"
  local log="$SYNCHOOK_CACHE/docker-install.log"
  # The package's maintainer scripts try to start the system service; there may be no init system
  # here, and the project starts its own daemon anyway: a policy-rc.d that refuses (101) keeps
  # them from trying, and is removed again when it was ours.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  local status=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io tini ||
      { DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io tini; }
  } >"$log" 2>&1 || status=$?
  [[ $created_policy -eq 1 ]] && rm -f "$policy"
  if [[ $status -ne 0 ]]; then
    tail -n 20 "$log" >&2
    fail "apt-get install docker.io failed (full log: $log)."
  fi
  command -v dockerd >/dev/null || fail "docker.io was installed but dockerd is not on PATH."
}

start() {
  mkdir -p "$DOCKER_DIR"
  exec {lock_fd}>"$DOCKER_DIR/.lock"
  flock "$lock_fd"
  if answers; then
    say "docker-daemon: already running at $SOCKET"
    echo "DOCKER_HOST=$DOCKER_HOST"
    return 0
  fi
  install_docker
  # A daemon of ours that died leaves its pid file and socket behind; a stale containerd may too.
  if [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    say "docker-daemon: dockerd $(cat "$PIDFILE") runs but does not answer; stopping it"
    stop_daemon
  fi
  rm -f "$SOCKET" "$PIDFILE"
  mkdir -p "$DOCKER_DIR/data" "$DOCKER_DIR/run"
  say "docker-daemon: starting dockerd (log: $LOG)"
  # setsid: the daemon outlives this script and is not stopped by a terminal's signals. It must not
  # inherit the lock's descriptor, or the lock would be held for as long as the daemon runs.
  setsid dockerd \
    --host "unix://$SOCKET" \
    --data-root "$DOCKER_DIR/data" \
    --exec-root "$DOCKER_DIR/run" \
    --pidfile "$PIDFILE" \
    --bridge=none \
    --iptables=false \
    --ip6tables=false \
    --ip-masq=false \
    --userland-proxy=false \
    --log-level=warn \
    </dev/null >>"$LOG" 2>&1 {lock_fd}>&- &
  local started=$SECONDS
  until answers; do
    if (( SECONDS - started > READY_TIMEOUT_S )); then
      tail -n 30 "$LOG" >&2
      fail "dockerd did not answer on $SOCKET within ${READY_TIMEOUT_S} s (log: $LOG)."
    fi
    if ! kill -0 $! 2>/dev/null; then
      tail -n 30 "$LOG" >&2
      fail "dockerd exited during start-up (log: $LOG)."
    fi
    sleep 0.5
  done
  say "docker-daemon: started, answering on $SOCKET after $((SECONDS - started)) s"
  echo "DOCKER_HOST=$DOCKER_HOST"
}

stop_daemon() {
  [[ -f $PIDFILE ]] || return 0
  local pid
  pid="$(cat "$PIDFILE")"
  kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; return 0; }
  kill -TERM "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    (( waited++ >= 60 )) && { kill -KILL "$pid" 2>/dev/null || true; break; }
    sleep 0.5
  done
  rm -f "$PIDFILE"
}

case "${1:-start}" in
  start) start ;;
  stop)
    stop_daemon
    say "docker-daemon: stopped"
    ;;
  status) answers ;;
  host) echo "DOCKER_HOST=$DOCKER_HOST" ;;
  *)
    say "usage: $0 [start|stop|status|host]"
    exit 2
    ;;
esac
