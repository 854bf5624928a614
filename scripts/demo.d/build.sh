# shellcheck shell=bash
# Part of scripts/demo (which sources it): the Debian packages the demo needs
# and the raftescort binary, taken from RAFTESCORT_BINARY or built into build/.

# It uses scripts/demo's settings ($root) and sets $binary for the other parts.
# shellcheck disable=SC2034,SC2154

# Build dependencies (catch2 too: configuring the shared build/ needs it), the
# runtime's redis-server, and curl and jq, which the chaos scripts use.
build_packages=(cmake ninja-build g++ pkg-config libcli11-dev libcpp-httplib-dev
                nlohmann-json3-dev libhiredis-dev libspdlog-dev libfmt-dev catch2)
runtime_packages=(redis-server curl jq)

ensure_packages() {
    local package status missing=()
    for package in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        if [ "$status" != "install ok installed" ]; then
            missing+=("$package")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get"
    step "installing ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# Sets $binary: RAFTESCORT_BINARY as given, or build/raftescort built now.
prepare_binary() {
    if [ -n "${RAFTESCORT_BINARY:-}" ]; then
        ensure_packages "${runtime_packages[@]}"
        [ -x "$RAFTESCORT_BINARY" ] || die "RAFTESCORT_BINARY=$RAFTESCORT_BINARY is not executable"
        binary=$(cd "$(dirname "$RAFTESCORT_BINARY")" && pwd)/$(basename "$RAFTESCORT_BINARY")
        return 0
    fi
    step "checking Debian packages"
    ensure_packages "${build_packages[@]}" "${runtime_packages[@]}"
    # The same configuration as scripts/test, so both share build/.
    step "configuring into build"
    cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    step "building raftescort"
    cmake --build "$root/build" --target raftescort
    binary="$root/build/raftescort"
}
