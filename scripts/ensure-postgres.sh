#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1 with the test database (idempotent).
#
# A fresh CI machine (Debian 12) may have no server: install Debian's postgresql, start the
# default cluster, and create the role and database the audit-store tests use:
#   postgresql://skillgate:skillgate@127.0.0.1:5432/skillgate
# (override the URL with SKILLGATE_TEST_POSTGRES). Fails loudly when it does not answer.
set -euo pipefail

timeout_seconds="${SKILLGATE_POSTGRES_TIMEOUT:-60}"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

answers() {
    pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
    echo "ensure-postgres: installing postgresql"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi

if ! answers; then
    version="$(pg_lsclusters --no-header | awk 'NR == 1 {print $1}')"
    cluster="$(pg_lsclusters --no-header | awk 'NR == 1 {print $2}')"
    if [ -z "${version}" ]; then
        version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
        cluster=main
        as_root pg_createcluster "${version}" "${cluster}"
    fi
    echo "ensure-postgres: starting cluster ${version}/${cluster}"
    as_root pg_ctlcluster "${version}" "${cluster}" start || true
    deadline=$((SECONDS + timeout_seconds))
    until answers; do
        if [ "${SECONDS}" -ge "${deadline}" ]; then
            echo "ensure-postgres: PostgreSQL did not answer within ${timeout_seconds}s" >&2
            exit 1
        fi
        sleep 1
    done
fi

as_postgres psql -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'skillgate') THEN
        CREATE ROLE skillgate LOGIN PASSWORD 'skillgate' CREATEDB;
    END IF;
END
$$;
SQL
if ! as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'skillgate'" | grep -q 1; then
    as_postgres createdb -O skillgate skillgate
fi
echo "ensure-postgres: answers ($(as_postgres psql -tAc 'SHOW server_version'))"
