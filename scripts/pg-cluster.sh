#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, benchmarks and the examples.
#
#   scripts/pg-cluster.sh start DIR [PORT]   initialise DIR (when new) and start a server on
#                                            127.0.0.1:PORT (default 55432); prints its URL
#   scripts/pg-cluster.sh stop DIR           stop the server of DIR (DIR stays)
#   scripts/pg-cluster.sh url DIR            print the URL of the server of DIR
#   scripts/pg-cluster.sh createdb DIR NAME  (re)create an empty database NAME on the server
#                                            of DIR; prints its URL
#
# The server trusts local connections of the user `gradreg` to the database `gradreg`, and
# listens on loopback only. PostgreSQL refuses to run as root, so as root the cluster belongs to
# the `postgres` system user that Debian's package creates. `GRADREG_PG_FAST=1` turns off fsync
# (tests only: a machine crash loses the cluster, which is thrown away anyway).
# Debian's postgresql package is installed when missing (as root, with apt-get).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
port=${3:-55432}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi

find_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

bin=$(find_bin)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "pg-cluster: installing Debian's postgresql" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
        bin=$(find_bin)
    fi
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        echo "pg-cluster: PostgreSQL server binaries not found (install Debian's postgresql)" >&2
        exit 1
    fi
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url_of() {
    local p
    p=$(cat "$1/port")
    echo "postgres://gradreg@127.0.0.1:$p/gradreg"
}

case "$cmd" in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir/data" -U gradreg --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            exit 1
        }
    fi
    echo "$port" | as_owner tee "$dir/port" >/dev/null
    extra=""
    if [ "${GRADREG_PG_FAST:-0}" = 1 ]; then
        extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 $extra" \
        start >/dev/null || {
        tail -20 "$dir/server.log" >&2
        exit 1
    }
    as_owner "$bin/psql" -h "$dir" -p "$port" -U gradreg -d postgres -qtAc \
        "SELECT 1 FROM pg_database WHERE datname = 'gradreg'" | grep -q 1 ||
        as_owner "$bin/createdb" -h "$dir" -p "$port" -U gradreg gradreg
    url_of "$dir"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
url)
    url_of "$dir"
    ;;
createdb)
    name=${3:-}
    case "$name" in
    '' | *[!a-z0-9_]*)
        echo "pg-cluster: a database name of lowercase letters, digits and _ please" >&2
        exit 2
        ;;
    esac
    p=$(cat "$dir/port")
    as_owner "$bin/psql" -h "$dir" -p "$p" -U gradreg -d postgres -qtA -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name" >/dev/null
    as_owner "$bin/createdb" -h "$dir" -p "$p" -U gradreg "$name"
    echo "postgres://gradreg@127.0.0.1:$p/$name"
    ;;
*)
    echo "pg-cluster: unknown command $cmd (start, stop, url, createdb)" >&2
    exit 2
    ;;
esac
