#!/usr/bin/env bash
# Install the Debian packages needed to build and test concur.
# Idempotent: does nothing (and prints nothing) when everything is present.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

packages=(
    g++
    cmake
    ninja-build
    pkg-config
    libgtest-dev
    libgmock-dev
    libbenchmark-dev
    libfmt-dev
    libcereal-dev
    libtbb-dev
    libboost-dev
    libconcurrentqueue-dev
    libcli11-dev
    libfast-float-dev
    libreaderwriterqueue-dev
    python3-matplotlib
    libuv1-dev
    python3-uvloop
    python3-numpy
    python3-pandas
    datamash
    csvkit
)

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "install-deps: installing missing packages: ${missing[*]}"

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo --preserve-env=DEBIAN_FRONTEND)
else
    echo "install-deps: ERROR: missing packages (${missing[*]}) and not running as root," >&2
    echo "install-deps: and sudo is not available. Install them as root with:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
echo "install-deps: done"
