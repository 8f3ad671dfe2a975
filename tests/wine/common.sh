# Shared settings for the Wine harness scripts (sourced, not run).
# Headless, quiet Wine; no Mono/Gecko prompts; never a display.
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY

# Stops the wineserver of one prefix (never anyone else's).
stop_wineserver() {
    WINEPREFIX="$1" wineserver -k 2>/dev/null || true
    WINEPREFIX="$1" wineserver -w 2>/dev/null || true
}

# Unix path -> Windows path on drive Z: (Wine maps Z: to /).
winpath_z() {
    printf 'Z:%s' "$1" | tr '/' '\\'
}

# start_bits_server <bin dir> <root> <run dir>: starts bits-server on a free
# port of 127.0.0.1; sets server_pid and server_url.  stop_bits_server ends
# it (by PID).  Exits the script when the server does not come up.
server_pid=
server_url=
start_bits_server() {
    local bin=$1 root=$2 run=$3
    rm -f "$run/port"
    "$bin/bits-server" --root "$root" --port 0 --port-file "$run/port" \
        >"$run/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        if [ -s "$run/port" ]; then
            server_url=http://127.0.0.1:$(cat "$run/port")
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bits-server did not start:"; cat "$run/server.log"
    exit 1
}

stop_bits_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=
    fi
}
