#!/usr/bin/env bash
# Deploys the local data platform demo (stack `dev` of stacks/local) with the
# real Pulumi engine and shows it working. State lives in ./.strata.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
cd "$REPO"
exec npm run --silent demo -- "$@"
