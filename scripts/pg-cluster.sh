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
#
# `GRADREG_PG_TLS=1` at the first start makes the server speak TLS: a throwaway authority and
# certificates (openssl, in DIR/tls), `ssl=on`, and the URL printed names `localhost`, the only
# name the server's certificate holds. DIR/tls holds ca.pem (the authority to trust),
# client.pem/client.key (a client certificate for the user gradreg) and other-ca.pem (an
# authority that signed nothing the server shows); the database `gradreg_cert` takes TLS logins
# by client certificate only (`cert` in pg_hba.conf). Plain connections stay open to the others.
# Debian's postgresql package (and openssl for TLS) is installed when missing (as root, with
# apt-get).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
port=${3:-55432}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
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
    local p host=127.0.0.1
    p=$(cat "$1/port")
    if [ -f "$1/tls/server.pem" ]; then host=localhost; fi
    echo "postgres://gradreg@$host:$p/gradreg"
}

# A throwaway authority, the server's certificate (for the name localhost only), a client
# certificate for the user gradreg and an unrelated authority, in $1 (P-256 keys, ten years).
make_certs() {
    local d=$1 serial
    if ! command -v openssl >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl) >&2
        else
            echo "pg-cluster: openssl is needed for GRADREG_PG_TLS=1" >&2
            exit 1
        fi
    fi
    mkdir -p "$d"
    cat >"$d/x509.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF
    for ca in ca other-ca; do
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/$ca.key" 2>/dev/null
        openssl req -new -x509 -config "$d/x509.cnf" -extensions ca -key "$d/$ca.key" \
            -subj "/CN=gradreg throwaway $ca" -days 3650 -out "$d/$ca.pem"
    done
    for who in server:localhost client:gradreg; do
        serial=0x$(openssl rand -hex 8)
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/${who%%:*}.key" 2>/dev/null
        openssl req -new -config "$d/x509.cnf" -key "$d/${who%%:*}.key" -subj "/CN=${who#*:}" \
            -out "$d/${who%%:*}.csr"
        openssl x509 -req -in "$d/${who%%:*}.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
            -set_serial "$serial" -days 3650 -extfile "$d/x509.cnf" -extensions "${who%%:*}" \
            -out "$d/${who%%:*}.pem" 2>/dev/null
    done
    rm -f "$d"/*.csr
    chmod 600 "$d"/*.key
    if [ "$(id -u)" = 0 ]; then chown postgres: "$d/server.pem" "$d/server.key"; fi
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
    if [ "${GRADREG_PG_TLS:-0}" = 1 ] && [ ! -f "$dir/tls/server.pem" ]; then
        make_certs "$dir/tls"
        hba=$(mktemp)
        { echo "hostssl gradreg_cert all 127.0.0.1/32 cert"; as_owner cat "$dir/data/pg_hba.conf"; } >"$hba"
        as_owner tee "$dir/data/pg_hba.conf" <"$hba" >/dev/null
        rm -f "$hba"
    fi
    if [ -f "$dir/tls/server.pem" ]; then
        extra="$extra -c ssl=on -c ssl_cert_file=$dir/tls/server.pem"
        extra="$extra -c ssl_key_file=$dir/tls/server.key -c ssl_ca_file=$dir/tls/ca.pem"
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
    if [ -f "$dir/tls/server.pem" ]; then
        as_owner "$bin/psql" -h "$dir" -p "$port" -U gradreg -d postgres -qtAc \
            "SELECT 1 FROM pg_database WHERE datname = 'gradreg_cert'" | grep -q 1 ||
            as_owner "$bin/createdb" -h "$dir" -p "$port" -U gradreg gradreg_cert
    fi
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
    url_of "$dir" | sed "s|/gradreg\$|/$name|"
    ;;
*)
    echo "pg-cluster: unknown command $cmd (start, stop, url, createdb)" >&2
    exit 2
    ;;
esac
