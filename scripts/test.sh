#!/usr/bin/env bash
# Runs the whole test suite on any machine: setup first (cached), then
# type-check, lint, unit and integration tests. Extra arguments go to vitest.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh" --tests
cd "$REPO"
# `npm test` puts node_modules/.bin (Node 22 from the `node` package) first on PATH.
exec npm test --silent -- "$@"
