#!/usr/bin/env bash
# Make sure a Docker engine answers and debootstrap is available (idempotent).
#
# A fresh CI machine (Debian 12) has neither: install Debian's docker.io and
# debootstrap, start dockerd in the background, then poll `docker info` until the
# engine answers. Fails loudly (exit 1) when it does not answer within the timeout.
set -euo pipefail

timeout_seconds="${SKILLGATE_DOCKER_TIMEOUT:-60}"
log_file="${SKILLGATE_DOCKERD_LOG:-/var/log/dockerd.log}"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

engine_answers() {
    docker info >/dev/null 2>&1
}

if engine_answers && command -v debootstrap >/dev/null 2>&1; then
    echo "ensure-docker: engine answers and debootstrap is present"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1 \
    || ! command -v debootstrap >/dev/null 2>&1; then
    echo "ensure-docker: installing docker.io and debootstrap"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io debootstrap
fi

if ! engine_answers; then
    if ! pgrep -x dockerd >/dev/null 2>&1; then
        echo "ensure-docker: starting dockerd (log: ${log_file})"
        as_root sh -c "setsid dockerd >'${log_file}' 2>&1 < /dev/null &"
    fi
    deadline=$((SECONDS + timeout_seconds))
    until engine_answers; do
        if [ "${SECONDS}" -ge "${deadline}" ]; then
            echo "ensure-docker: the Docker engine did not answer within ${timeout_seconds}s" >&2
            tail -n 20 "${log_file}" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 1
    done
fi

echo "ensure-docker: engine answers ($(docker version --format '{{.Server.Version}}'))"
