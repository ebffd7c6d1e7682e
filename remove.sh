#!/usr/bin/env bash
# Deletes the dmlflow stack, keeping the artifact bucket and a final database snapshot:
# ./remove.sh [--stack-name NAME] [--yes] [--delete-data]. Every option: ./remove.sh --help
# Runs from any directory.
set -euo pipefail
home=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$home/scripts/answer-without-build.sh"
answer_without_build "$home" remove "$@"
bash "$home/scripts/ensure-built.sh"
# Which dmlflow this checkout is (the assets stack it may create is tagged with it).
DMLFLOW_GIT_DESCRIBE=$(git -C "$home" describe --tags --always --dirty 2>/dev/null || true)
export DMLFLOW_GIT_DESCRIBE
columns=0
[[ -t 1 ]] && columns=$(terminal_columns)
stderr_terminal=0
[[ -t 2 ]] && stderr_terminal=1
exec java "-Ddmlflow.home=$home" "-Ddmlflow.columns=$columns" "-Ddmlflow.stderr-terminal=$stderr_terminal" -jar "$home/deployer/target/dmlflow-deployer.jar" \
  remove "$@"
