#!/usr/bin/env bash
# Deploys or updates the dmlflow stack: ./deploy.sh [--stack-name NAME] [-p Key=Value]... [--yes]
# Also: ./deploy.sh status|outputs|logs|users|plan|package|execute [options]. Every option: ./deploy.sh [COMMAND] --help
# Runs from any directory: paths you give (--parameters FILE, ...) are read from yours.
set -euo pipefail
home=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$home/scripts/answer-without-build.sh"
answer_without_build "$home" deploy "$@"
bash "$home/scripts/ensure-built.sh"
columns=0
[[ -t 1 ]] && columns=$(terminal_columns)
stderr_terminal=0
[[ -t 2 ]] && stderr_terminal=1
# Which dmlflow this checkout is, for the stack's dmlflow:version tag and DmlflowVersion output.
DMLFLOW_GIT_DESCRIBE=$(git -C "$home" describe --tags --always --dirty 2>/dev/null || true)
export DMLFLOW_GIT_DESCRIBE
dmlflow=(java "-Ddmlflow.home=$home" "-Ddmlflow.columns=$columns" "-Ddmlflow.stderr-terminal=$stderr_terminal" -jar "$home/deployer/target/dmlflow-deployer.jar")
case "${1:-}" in
  status | outputs | logs | users | plan | package | execute) exec "${dmlflow[@]}" "$@" ;;
  "" | -*) exec "${dmlflow[@]}" deploy "$@" ;;
  # Not a command deploy.sh knows: dmlflow names the closest one and its usage.
  *) exec "${dmlflow[@]}" "$@" ;;
esac
