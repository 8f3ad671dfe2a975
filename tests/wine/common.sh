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
