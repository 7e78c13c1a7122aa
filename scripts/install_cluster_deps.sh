#!/usr/bin/env bash
# What cluster mode (python -m rexian.stack up --cluster, make up-cluster) needs from the system besides PostgreSQL
# (scripts/test_postgres.sh installs that): redis-server (Rasa's lock store) and haproxy (the balancer).
#
#   scripts/install_cluster_deps.sh          install what is missing (apt-get, as root); exit 0 when all present
#   scripts/install_cluster_deps.sh check    only check: exit 0 when all present, 1 otherwise (names on stderr)
#
# Idempotent: nothing is installed when the programs are already on the PATH (or in /usr/sbin).
set -euo pipefail

log() { echo "install_cluster_deps: $*" >&2; }

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have redis-server || missing+=(redis-server)
have haproxy || missing+=(haproxy)

if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "${1:-}" = check ]; then log "missing: ${missing[*]}"; exit 1; fi
if [ "$(id -u)" -ne 0 ]; then log "missing ${missing[*]}; need root to apt-get install them"; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then log "missing ${missing[*]} and no apt-get here"; exit 1; fi

log "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
# --no-install-recommends: the binaries only; policy-rc.d keeps the packages' own services from starting
# (cluster mode starts its own instances on loopback ports).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
status=0
apt-get install -y --no-install-recommends "${missing[@]}" >&2 || status=$?
if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
exit "$status"
