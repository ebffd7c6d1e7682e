#!/usr/bin/env bash
# Deletes the dmlflow stack, keeping the artifact bucket and a final database snapshot:
# ./remove.sh [--stack-name NAME] [--yes] [--delete-data]. Every option: ./remove.sh --help
set -euo pipefail
cd "$(dirname "$0")"
source scripts/answer-without-build.sh
answer_without_build remove "$@"
bash scripts/ensure-built.sh
# Which dmlflow this checkout is, for the stack's dmlflow:version tag and DmlflowVersion output.
DMLFLOW_GIT_DESCRIBE=$(git describe --tags --always --dirty 2>/dev/null || true)
export DMLFLOW_GIT_DESCRIBE
exec java -jar deployer/target/dmlflow-deployer.jar remove "$@"
