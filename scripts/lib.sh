# Shared by demo.sh and test.sh (sourced, not run).

# The Debian packages the build and the tests need.  Not the mingw-w64
# metapackage: it drags in the whole i686 toolchain.
WINEBITS_PACKAGES="wine wine64 wine64-tools libwine-dev gcc-mingw-w64-x86-64 mingw-w64-tools
    libcurl4-openssl-dev libsqlite3-dev libcmocka-dev cmake pkg-config"

# Installs whatever is missing; does nothing (and needs no network) when
# everything is there.
ensure_packages() {
    local missing="" pkg sudo=""
    for pkg in $WINEBITS_PACKAGES; do
        if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
            missing="$missing $pkg"
        fi
    done
    [ -z "$missing" ] && return 0
    echo "installing missing packages:$missing"
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
}

# The build tree: build/ (README), or $WINEBITS_BUILD_DIR.
BUILD=${WINEBITS_BUILD_DIR:-build}

build_all() {
    cmake -S . -B "$BUILD"
    cmake --build "$BUILD" -j2
}

# Headless, quiet Wine.
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
