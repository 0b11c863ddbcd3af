#!/usr/bin/env bash
# Captures the Docker Engine's container events, as its API streams them, for the cases the
# agent's event follower handles (agent/docker/testdata/events-*.jsonl). Each case runs
# containers named and labelled as this script's own, with a second image made by `docker
# tag` (no registry), and records exactly the bytes GET /events sent.
# Usage: bash scripts/capture-docker-events.sh [OUT_DIR]   (needs root and a running dockerd)
set -euo pipefail

OUT=${1:-agent/docker/testdata}
SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
IMAGE=${BERTH_TEST_IMAGE:-berth-busybox}
TAG=$$
N=berth-test-cap$TAG
L=(--label berth.test=1 --label "berth.test.pid=$$" --label "berth.cap=$TAG")
V2=$N-img:v2
mkdir -p "$OUT"
docker tag "$IMAGE" "$V2"
trap 'docker rm -f $(docker ps -aq --filter label=berth.cap=$TAG) >/dev/null 2>&1 || true; docker rmi "$V2" >/dev/null 2>&1 || true' EXIT

FILTER=$(printf '{"type":["container"],"label":["berth.cap=%s"]}' "$TAG" | python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.stdin.read()))')

# capture NAME COMMANDS...: records the events the commands cause into $OUT/events-NAME.jsonl.
capture() {
  local name=$1
  shift
  curl -sN --unix-socket "$SOCK" "http://docker/v1.41/events?filters=$FILTER" >"$OUT/events-$name.jsonl" &
  local pid=$!
  sleep 0.5
  "$@"
  sleep 1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "capture: $name: $(wc -l <"$OUT/events-$name.jsonl") events"
}

oom() {
  docker run -d --name "$N-oom" "${L[@]}" -m 16m --memory-swap 16m "$IMAGE" \
    sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=100' >/dev/null
  sleep 3
  docker rm -f "$N-oom" >/dev/null
}

restart_loop() {
  docker run -d --name "$N-loop" "${L[@]}" --restart always "$IMAGE" sh -c 'sleep 0.3; exit 1' >/dev/null
  sleep 5
  docker rm -f "$N-loop" >/dev/null
}

unhealthy() {
  docker run -d --name "$N-health" "${L[@]}" --health-cmd false --health-interval 1s --health-retries 2 \
    "$IMAGE" sleep 60 >/dev/null
  sleep 5
  docker rm -f "$N-health" >/dev/null
}

healthy() {
  docker run -d --name "$N-ok" "${L[@]}" --health-cmd true --health-interval 1s "$IMAGE" sleep 60 >/dev/null
  sleep 3
  docker rm -f "$N-ok" >/dev/null
}

lifecycle() {
  docker run -d --name "$N-life" "${L[@]}" "$IMAGE" sleep 60 >/dev/null
  docker pause "$N-life" >/dev/null
  docker unpause "$N-life" >/dev/null
  docker kill -s HUP "$N-life" >/dev/null
  docker start "$N-life" >/dev/null 2>&1 || true
  docker stop -t 1 "$N-life" >/dev/null
  docker restart -t 1 "$N-life" >/dev/null
  docker rename "$N-life" "$N-life2"
  docker rm -f "$N-life2" >/dev/null
}

# A job that finishes by itself (exit 0) and one that fails (exit 3).
exits() {
  docker run --name "$N-ok0" "${L[@]}" "$IMAGE" true
  docker run --name "$N-fail" "${L[@]}" "$IMAGE" sh -c 'exit 3' || true
  docker rm -f "$N-ok0" "$N-fail" >/dev/null
}

# What `docker compose up` does when a service's image changed: create the new container under
# a temporary name, stop and remove the old one, rename the new one, start it.
compose_recreate() {
  local c=(--label com.docker.compose.project=capture --label com.docker.compose.service=web)
  docker run -d --name "$N-web" "${L[@]}" "${c[@]}" "$IMAGE" sleep 60 >/dev/null
  local id
  id=$(docker create --name "${TAG}_$N-web" "${L[@]}" "${c[@]}" "$V2" sleep 60)
  docker stop -t 1 "$N-web" >/dev/null
  docker rm "$N-web" >/dev/null
  docker rename "$id" "$N-web"
  docker start "$N-web" >/dev/null
  sleep 0.5
  docker rm -f "$N-web" >/dev/null
}

# Removed and run again under the same name with another image.
rerun_new_image() {
  docker run -d --name "$N-app" "${L[@]}" "$IMAGE" sleep 60 >/dev/null
  docker rm -f "$N-app" >/dev/null
  docker run -d --name "$N-app" "${L[@]}" "$V2" sleep 60 >/dev/null
  sleep 0.5
  docker rm -f "$N-app" >/dev/null
}

capture oom oom
capture restart-loop restart_loop
capture unhealthy unhealthy
capture healthy healthy
capture lifecycle lifecycle
capture exits exits
capture compose-recreate compose_recreate
capture rerun-new-image rerun_new_image
