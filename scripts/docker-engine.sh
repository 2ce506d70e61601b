#!/usr/bin/env bash
# A Docker engine for the image tests and .ci/run, on a machine where none runs.
#
#   scripts/docker-engine.sh start   print DOCKER_HOST=... of an engine that answers: the
#                                     caller's ($DOCKER_HOST or the default socket), else a
#                                     private dockerd started under $STATE (root only)
#   scripts/docker-engine.sh stop    stop the private engine by its PID (never another one)
#   scripts/docker-engine.sh base    make sure the engine has debian:bookworm-slim; with no
#                                     registry reachable, build it from Debian's packages
#                                     (debootstrap --variant=minbase, then docker import)
#
# STATE defaults to ~/.cache/monitor-job-docker (MONITOR_JOB_DOCKER_STATE), made 0700 and
# refused unless this user owns it: a fixed path in a shared /tmp could be made first by
# another user, who would then hold the engine's socket. The private engine
# keeps its images and build cache there between runs; `stop` leaves them, and leaves the
# docker0 bridge and its iptables chains (dockerd does not remove them).
set -euo pipefail
STATE="${MONITOR_JOB_DOCKER_STATE:-${HOME:-/root}/.cache/monitor-job-docker}"
SOCK="unix://$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
BASE="${MONITOR_JOB_BASE_IMAGE:-debian:bookworm-slim}"
MIRROR="${MONITOR_JOB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

answers() { docker ${1:+--host "$1"} info >/dev/null 2>&1; }

start() {
  if answers "${DOCKER_HOST:-}"; then echo "DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}"; return; fi
  if answers "$SOCK"; then echo "DOCKER_HOST=$SOCK"; return; fi
  command -v dockerd >/dev/null || { echo "docker-engine: no engine answers and dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
  [ "$(id -u)" = 0 ] || { echo "docker-engine: no engine answers and a private dockerd needs root" >&2; exit 1; }
  mkdir -p -m 700 "$STATE"
  [ -O "$STATE" ] && [ ! -L "$STATE" ] || { echo "docker-engine: $STATE is not a directory of this user's own" >&2; exit 1; }
  chmod 700 "$STATE"
  local driver="${MONITOR_JOB_STORAGE_DRIVER:-overlay2}"
  nohup dockerd --data-root "$STATE/data" --exec-root "$STATE/exec" --pidfile "$PIDFILE" \
    --host "$SOCK" --storage-driver "$driver" >"$STATE/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if answers "$SOCK"; then
      echo "docker-engine: started dockerd, pid $(cat "$PIDFILE"), state in $STATE" >&2
      echo "DOCKER_HOST=$SOCK"
      return
    fi
    sleep 0.5
  done
  echo "docker-engine: dockerd did not answer in 30 s; its log: $STATE/dockerd.log" >&2
  tail -n 5 "$STATE/dockerd.log" >&2 || true
  exit 1
}

stop() {
  [ -f "$PIDFILE" ] || return 0
  local pid; pid="$(cat "$PIDFILE")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

base() {
  local host; host="$(start | sed 's/^DOCKER_HOST=//')"
  if docker --host "$host" image inspect "$BASE" >/dev/null 2>&1; then return; fi
  if docker --host "$host" pull -q "$BASE" >/dev/null 2>&1; then return; fi
  command -v debootstrap >/dev/null || { echo "docker-engine: cannot pull $BASE and debootstrap is not installed" >&2; exit 1; }
  local root="$STATE/rootfs-bookworm"
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$STATE/debootstrap.log" 2>&1 \
    || { echo "docker-engine: debootstrap failed; its log: $STATE/debootstrap.log" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker --host "$host" import - "$BASE" >/dev/null
  rm -rf "$root"
  echo "docker-engine: $BASE imported from debootstrap ($MIRROR)" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  base) base ;;
  *) echo "usage: $0 start|stop|base" >&2; exit 2 ;;
esac
