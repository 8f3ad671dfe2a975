#!/bin/bash
# TLS in front of a plain-HTTP bits-server, for the HTTPS tests: the test
# certificates are made here with the openssl CLI, and one stunnel process
# serves five front doors on 127.0.0.1, each forwarding to the backend port.
#
#   tls_front.sh start <dir> <backend port>
#   tls_front.sh stop <dir>
#
# start writes <dir>/ports with one "<name> <port>" line per front door:
#   good        certificate from the test CA for 127.0.0.1 (IP SAN)
#   selfsigned  self-signed certificate for 127.0.0.1 (unknown CA)
#   wrongname   certificate from the test CA for another name only
#   clientauth  like good, and it demands a client certificate from the test CA
#   expired     certificate from the test CA for 127.0.0.1 that expired a day ago
# and leaves in <dir>: ca.pem (trust this), client.pem / client.key (PEM),
# client.der / client.key.der (DER, PKCS#1), client.p12 (password "winebits"),
# server.der (the "good" door's certificate, DER),
# stunnel.pid and stunnel.log.  Exit status 77: stunnel is not installed.
set -euo pipefail

cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop <dir> [backend port]" >&2; exit 2; }

stop_front() {
    if [ -s "$dir/stunnel.pid" ]; then
        kill "$(cat "$dir/stunnel.pid")" 2>/dev/null || true
        rm -f "$dir/stunnel.pid"
    fi
}

# make_cert <name> <subject CN> <subjectAltName> <extendedKeyUsage> [self|<days>]
make_cert() {
    local name=$1 cn=$2 san=$3 eku=$4 self=${5:-} days=3
    printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' \
        "$san" "$eku" >"$dir/$name.ext"
    if [ "$self" = self ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -out "$dir/$name.pem" \
            -days 3 -subj "/CN=$cn" -addext "subjectAltName=$san" 2>/dev/null
        return
    fi
    openssl req -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -out "$dir/$name.csr" \
        -subj "/CN=$cn" 2>/dev/null
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days "${self:-$days}" -extfile "$dir/$name.ext" \
        -out "$dir/$name.pem" 2>/dev/null
}

make_certs() {
    [ -f "$dir/client.p12" ] && return 0
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 3 \
        -subj "/CN=winebits test CA" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    make_cert server 127.0.0.1 "IP:127.0.0.1" serverAuth
    # what a server certificate validation callback must be shown
    openssl x509 -in "$dir/server.pem" -outform DER -out "$dir/server.der"
    make_cert wrongname not-this-host.invalid "DNS:not-this-host.invalid" serverAuth
    make_cert selfsigned 127.0.0.1 "IP:127.0.0.1" serverAuth self
    # valid until a day before it was made: expired whatever the clock says
    make_cert expired 127.0.0.1 "IP:127.0.0.1" serverAuth -1
    # A subject of its own per run: certificates earlier runs left in a
    # prefix's MY store must not answer a lookup by subject.
    make_cert client "winebits test client $(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')" \
        "DNS:client.invalid" clientAuth
    openssl x509 -in "$dir/client.pem" -outform DER -out "$dir/client.der"
    openssl rsa -in "$dir/client.key" -outform DER -traditional -out "$dir/client.key.der" 2>/dev/null
    # Legacy PBE and MAC: what Wine's PFXImportCertStore (and Windows 7) read.
    openssl pkcs12 -export -in "$dir/client.pem" -inkey "$dir/client.key" \
        -out "$dir/client.p12" -passout pass:winebits -name "winebits test client" \
        -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 2>/dev/null
}

# service <name> <port> <cert> <key> [client CA]
service() {
    printf '[%s]\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\ncert = %s\nkey = %s\n' \
        "$1" "$2" "$backend" "$dir/$3" "$dir/$4"
    if [ -n "${5:-}" ]; then
        printf 'CAfile = %s\nverifyChain = yes\nrequireCert = yes\n' "$dir/$5"
    fi
}

start_front() {
    local try base conf=$dir/stunnel.conf
    command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || {
        echo "stunnel is not installed (Debian package stunnel4)" >&2; exit 77; }
    local stunnel; stunnel=$(command -v stunnel4 || command -v stunnel)
    mkdir -p "$dir"
    stop_front
    make_certs
    # stunnel cannot report a port it picked: try random blocks of five
    # until one binds (stunnel exits non-zero when a port is taken).
    for try in $(seq 1 20); do
        base=$((20000 + (RANDOM * 5) % 40000))
        {
            printf 'pid = %s\nforeground = no\noutput = %s\ndebug = notice\n' \
                "$dir/stunnel.pid" "$dir/stunnel.log"
            printf 'syslog = no\n'
            service good $base server.pem server.key
            service selfsigned $((base + 1)) selfsigned.pem selfsigned.key
            service wrongname $((base + 2)) wrongname.pem wrongname.key
            service clientauth $((base + 3)) server.pem server.key ca.pem
            service expired $((base + 4)) expired.pem expired.key
        } >"$conf"
        if "$stunnel" "$conf" >>"$dir/stunnel.log" 2>&1; then
            for _ in $(seq 1 50); do
                [ -s "$dir/stunnel.pid" ] && break
                sleep 0.1
            done
            printf 'good %s\nselfsigned %s\nwrongname %s\nclientauth %s\nexpired %s\n' \
                $base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) >"$dir/ports"
            return 0
        fi
    done
    echo "stunnel did not start:" >&2
    tail -n 20 "$dir/stunnel.log" >&2
    exit 1
}

case $cmd in
start) backend=${3:?backend port}; start_front ;;
stop) stop_front ;;
*) echo "usage: $0 start|stop <dir> [backend port]" >&2; exit 2 ;;
esac
