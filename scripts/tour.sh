#!/usr/bin/env bash
# The concur demo command: builds the concur-tour app (release preset) and
# runs it, passing all arguments through.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/install-deps.sh >&2
{
    cmake --preset release
    cmake --build --preset release --target concur-tour
} >&2

exec build/release/apps/tour/concur-tour "$@"
