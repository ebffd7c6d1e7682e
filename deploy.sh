#!/usr/bin/env bash
# Deploys or updates the dmlflow stack: ./deploy.sh [--stack-name NAME] [-p Key=Value]... [--yes]
# Also: ./deploy.sh status|outputs|plan [options]. Every option: ./deploy.sh --help
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/ensure-built.sh
command=deploy
case "${1:-}" in status | outputs | plan) command=$1 && shift ;; esac
exec java -jar deployer/target/dmlflow-deployer.jar "$command" "$@"
