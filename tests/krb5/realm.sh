#!/bin/bash
# A private Kerberos realm for the Negotiate tests, on 127.0.0.1 only.
#
#   realm.sh start DIR [PASSWORD]   creates realm WINEBITS.TEST in DIR (empty
#                                   or absent), starts its KDC, writes DIR/env
#   realm.sh stop DIR               stops that KDC (by its PID) and leaves DIR
#
# The realm holds alice@WINEBITS.TEST (PASSWORD, default below) and
# HTTP/127.0.0.1@WINEBITS.TEST, whose key is in DIR/http.keytab.  Nothing
# outside DIR is read or written: DIR/krb5.conf (KRB5_CONFIG) and
# DIR/kdc.conf (KRB5_KDC_PROFILE) replace the system's files.  DIR/env holds
# NAME=value lines for the programs that use the realm:
#   KRB5_CONFIG KRB5_KDC_PROFILE KRB5_KTNAME KRB5CCNAME KRB5RCACHETYPE
#   WINEBITS_KRB5_REALM WINEBITS_KRB5_USER WINEBITS_KRB5_PORT
# KRB5CCNAME points at an empty ccache name in DIR so no test ever sees the
# caller's own tickets; KRB5RCACHETYPE=none keeps the acceptor's replay cache
# off the disk (every libcurl request carries a fresh authenticator anyway).
#
# Exit status 77 (the tests' skip code) when the krb5 tools are not installed.
set -u

REALM=WINEBITS.TEST
USER_NAME=alice
SERVICE=HTTP/127.0.0.1
SKIP=77

die() {
    echo "realm.sh: $*" >&2
    exit 1
}

find_tool() {
    local t
    for t in "/usr/sbin/$1" "/usr/bin/$1" "$(command -v "$1" 2>/dev/null)"; do
        if [ -n "$t" ] && [ -x "$t" ]; then
            echo "$t"
            return 0
        fi
    done
    return 1
}

# A TCP port on 127.0.0.1 nobody listens on now (the KDC binds it next; a
# race with another program is caught by the readiness check).
free_port() {
    local port tries=0
    while [ $tries -lt 50 ]; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
        tries=$((tries + 1))
    done
    return 1
}

write_configs() {
    local dir=$1 port=$2
    cat >"$dir/krb5.conf" <<EOF
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    ticket_lifetime = 10h
    default_ccache_name = FILE:$dir/no-such-ccache

[realms]
    $REALM = {
        kdc = 127.0.0.1:$port
    }

[domain_realm]
    127.0.0.1 = $REALM

[logging]
    kdc = FILE:$dir/kdc.log
EOF
    cat >"$dir/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $REALM = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        kdc_listen = 127.0.0.1:$port
        kdc_tcp_listen = 127.0.0.1:$port
        max_life = 10h
        max_renewable_life = 0
    }
EOF
    : >"$dir/kadm5.acl"
}

create_database() {
    local dir=$1 password=$2 kdb5_util kadmin
    kdb5_util=$(find_tool kdb5_util) || return 1
    kadmin=$(find_tool kadmin.local) || return 1
    # The master password only protects the stash inside DIR.
    "$kdb5_util" -r "$REALM" create -s -P "master-$RANDOM$RANDOM" >"$dir/setup.log" 2>&1 \
        || return 1
    "$kadmin" -r "$REALM" -q "addprinc -pw \"$password\" $USER_NAME" >>"$dir/setup.log" 2>&1 \
        || return 1
    "$kadmin" -r "$REALM" -q "addprinc -randkey $SERVICE" >>"$dir/setup.log" 2>&1 || return 1
    "$kadmin" -r "$REALM" -q "ktadd -k $dir/http.keytab $SERVICE" >>"$dir/setup.log" 2>&1 \
        || return 1
    [ -s "$dir/http.keytab" ]
}

# Waits until the KDC accepts TCP connections on its port (at most ~10 s).
wait_listening() {
    local pid=$1 port=$2 _
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 1
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

start_kdc() {
    local dir=$1 krb5kdc port pid _
    krb5kdc=$(find_tool krb5kdc) || return 1
    for _ in 1 2 3 4 5; do
        port=$(free_port) || return 1
        write_configs "$dir" "$port"
        # -n: stay in the foreground, so $! is the KDC itself
        "$krb5kdc" -n -r "$REALM" >"$dir/krb5kdc.out" 2>&1 </dev/null &
        pid=$!
        if wait_listening "$pid" "$port"; then
            echo "$pid" >"$dir/kdc.pid"
            echo "$port"
            return 0
        fi
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    return 1
}

do_start() {
    local dir=$1 password=$2 port t
    for t in krb5kdc kdb5_util kadmin.local; do
        if ! find_tool "$t" >/dev/null; then
            echo "realm.sh: $t not installed (Debian: krb5-kdc krb5-admin-server)" >&2
            exit $SKIP
        fi
    done
    if ! mkdir -p "$dir" || ! chmod 700 "$dir"; then
        die "cannot create $dir"
    fi
    dir=$(cd "$dir" && pwd) || die "cannot enter $dir"
    [ -e "$dir/kdc.pid" ] && die "$dir already holds a running realm"
    export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf"
    # configs with a provisional port for the database tools
    write_configs "$dir" 88
    create_database "$dir" "$password" || die "creating the database failed: $(cat "$dir/setup.log")"
    port=$(start_kdc "$dir") || die "the KDC did not start: $(cat "$dir/krb5kdc.out" 2>/dev/null)"
    cat >"$dir/env" <<EOF
KRB5_CONFIG=$dir/krb5.conf
KRB5_KDC_PROFILE=$dir/kdc.conf
KRB5_KTNAME=FILE:$dir/http.keytab
KRB5CCNAME=FILE:$dir/no-such-ccache
KRB5RCACHETYPE=none
WINEBITS_KRB5_REALM=$REALM
WINEBITS_KRB5_USER=$USER_NAME@$REALM
WINEBITS_KRB5_PORT=$port
EOF
    echo "realm $REALM: KDC pid $(cat "$dir/kdc.pid") on 127.0.0.1:$port, env in $dir/env"
}

do_stop() {
    local dir=$1 pid _
    [ -f "$dir/kdc.pid" ] || return 0
    pid=$(cat "$dir/kdc.pid")
    rm -f "$dir/kdc.pid"
    case $pid in ''|*[!0-9]*) die "bad pid file in $dir" ;; esac
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    return 0
}

case "${1:-}" in
start)
    [ $# -ge 2 ] || die "usage: realm.sh start DIR [PASSWORD]"
    do_start "$2" "${3:-Kerb-Pass-2026}"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: realm.sh stop DIR"
    do_stop "$2"
    ;;
*)
    die "usage: realm.sh start DIR [PASSWORD] | stop DIR"
    ;;
esac
