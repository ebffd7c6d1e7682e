#!/usr/bin/env bash
# Deletes the dmlflow stack, keeping the artifact bucket and a final database snapshot:
# ./remove.sh [--stack-name NAME] [--yes] [--delete-data]. Every option: ./remove.sh --help
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/ensure-built.sh
exec java -jar deployer/target/dmlflow-deployer.jar remove "$@"
