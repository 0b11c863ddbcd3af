#!/usr/bin/env bash
# Makes sure a Docker engine answers on the default socket and that the image the
# integration tests use, `berth-busybox`, exists. Idempotent: safe to run again and again.
# Needs root, the docker.io package (dockerd, docker CLI) and busybox-static.
# The image is built from the host's static busybox with `docker import`, so no registry
# (and no network) is needed.
set -euo pipefail

IMAGE=${BERTH_TEST_IMAGE:-berth-busybox}
LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

# A wedged engine can accept the connection and never answer: bound each probe.
engine_up() { timeout 10 docker version >/dev/null 2>&1; }

if engine_up; then
  echo "docker-up: engine already answering"
else
  command -v dockerd >/dev/null || { echo "docker-up: dockerd not installed (apt-get install docker.io)" >&2; exit 1; }
  # containerd is started by dockerd itself when no system containerd is running.
  # --iptables=false: CI machines and containers often lack the iptables modules; the tests
  # only need bridge networking between containers, not NAT to the outside.
  if pgrep -x dockerd >/dev/null 2>&1; then
    echo "docker-up: dockerd is running but not answering yet; waiting"
  else
    # A dockerd killed without cleanup leaves its pid file, and a new one refuses to start.
    rm -f /var/run/docker.pid
    echo "docker-up: starting dockerd (log: $LOG)"
    # setsid: its own session, so it outlives the shell (and job group) that started it.
    nohup setsid dockerd --iptables=false >"$LOG" 2>&1 </dev/null &
  fi
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if engine_up; then break; fi
    sleep 1
  done
  if ! engine_up; then
    echo "docker-up: dockerd did not answer within ${WAIT_SECONDS} s; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  echo "docker-up: engine up after ${i} s"
fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "docker-up: image $IMAGE present"
else
  BUSYBOX=$(command -v busybox || true)
  [[ -n "$BUSYBOX" ]] || { echo "docker-up: busybox not installed (apt-get install busybox-static)" >&2; exit 1; }
  # A dynamically linked busybox would need the host's libc inside the image.
  if [[ "$(LC_ALL=C ldd "$BUSYBOX" 2>&1 || true)" == *"=>"* ]]; then
    echo "docker-up: $BUSYBOX is not static (install busybox-static)" >&2
    exit 1
  fi
  ROOTFS=$(mktemp -d)
  trap 'rm -rf "$ROOTFS"' EXIT
  mkdir -p "$ROOTFS"/{bin,sbin,usr/bin,usr/sbin,tmp,proc,sys,dev,etc,var/www}
  cp "$BUSYBOX" "$ROOTFS/bin/busybox"
  # Every applet this busybox has, as a symlink in bin/ (sh, yes, sleep, httpd, wget, dd, ...).
  for applet in $("$ROOTFS/bin/busybox" --list); do
    [[ "$applet" == busybox ]] && continue
    ln -sf busybox "$ROOTFS/bin/$applet"
  done
  chmod 1777 "$ROOTFS/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOTFS/etc/passwd"
  echo 'root:x:0:' >"$ROOTFS/etc/group"
  tar -C "$ROOTFS" -c . | docker import -c 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  echo "docker-up: built image $IMAGE from $BUSYBOX"
fi
