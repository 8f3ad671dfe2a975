# shellcheck shell=bash
# Shared by demo.sh and test.sh (sourced, not run).

# The Debian packages the build and the tests need.  Not the mingw-w64
# metapackage (it also brings g++ and more); gcc-mingw-w64-i686 builds the
# 32-bit proxy/stub DLL and conformance programs (WINEBITS_WIN32).
WINEBITS_PACKAGES="wine wine64 wine64-tools libwine-dev gcc-mingw-w64-x86-64 gcc-mingw-w64-i686
    mingw-w64-tools libcurl4-openssl-dev libssl-dev libsqlite3-dev libcmocka-dev cmake pkg-config"
# What only some tests need: a Kerberos realm (Negotiate), stunnel (HTTPS)
# and clang with libFuzzer (fuzz/).  Best effort: the tests that need one
# say "skipped" when it is missing.  libkrb5-dev lets bitsd use a job's
# Negotiate password.
WINEBITS_TEST_PACKAGES="krb5-kdc krb5-admin-server libkrb5-dev stunnel4 clang"

missing_packages() {
    local pkg
    for pkg in "$@"; do
        if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
            printf ' %s' "$pkg"
        fi
    done
}

apt_install() {
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# Installs whatever is missing; does nothing (and needs no network) when
# everything is there.
ensure_packages() {
    local missing optional
    # shellcheck disable=SC2086
    missing=$(missing_packages $WINEBITS_PACKAGES)
    # shellcheck disable=SC2086
    optional=$(missing_packages $WINEBITS_TEST_PACKAGES)
    [ -z "$missing$optional" ] && return 0
    echo "installing missing packages:$missing$optional"
    # shellcheck disable=SC2086
    apt_install $missing $optional && return 0
    # shellcheck disable=SC2086
    [ -z "$missing" ] || apt_install $missing || return 1
    echo "WARNING: could not install$optional; the tests that need them are skipped"
}

# wine32:i386 lets Wine run 32-bit programs (WoW64 prefixes), for the
# 32-bit conformance tests.  Best effort: when the i386 packages cannot be
# installed (a mirror whose i386 index is mid-sync makes multiarch versions
# disagree), the tests run without the 32-bit ones and say so.
ensure_wine32() {
    local sudo=""
    [ "$(dpkg --print-architecture)" = amd64 ] || return 0
    if [ "$(dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null)" = "install ok installed" ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "installing wine32:i386 (32-bit Windows programs)"
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        $sudo dpkg --add-architecture i386
    fi
    # A failed index (exit 100) still leaves the others usable.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update || true
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            wine32:i386; then
        echo "WARNING: wine32:i386 could not be installed; 32-bit conformance tests are skipped"
    fi
    return 0
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
