#!/usr/bin/env bash
# Deploys or updates the dmlflow stack: ./deploy.sh [--stack-name NAME] [-p Key=Value]... [--yes]
# Also: ./deploy.sh status|outputs|logs|users|plan|package|execute [options]. Every option: ./deploy.sh [COMMAND] --help
set -euo pipefail
cd "$(dirname "$0")"
source scripts/answer-without-build.sh
answer_without_build deploy "$@"
bash scripts/ensure-built.sh
# Which dmlflow this checkout is, for the stack's dmlflow:version tag and DmlflowVersion output.
DMLFLOW_GIT_DESCRIBE=$(git describe --tags --always --dirty 2>/dev/null || true)
export DMLFLOW_GIT_DESCRIBE
case "${1:-}" in
  status | outputs | logs | users | plan | package | execute) exec java -jar deployer/target/dmlflow-deployer.jar "$@" ;;
  "" | -*) exec java -jar deployer/target/dmlflow-deployer.jar deploy "$@" ;;
  # Not a command deploy.sh knows: dmlflow names the closest one and its usage.
  *) exec java -jar deployer/target/dmlflow-deployer.jar "$@" ;;
esac
