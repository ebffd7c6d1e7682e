#!/usr/bin/env bash
# Deletes the dmlflow stack, keeping the artifact bucket and a final database snapshot:
# ./remove.sh [--stack-name NAME] [--yes] [--delete-data]. Every option: ./remove.sh --help
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -f deployer/target/dmlflow-deployer.jar ]]; then
  echo "Building dmlflow (first run only)..." >&2
  ./mvnw -q -B -DskipTests -pl deployer -am package >&2
fi
exec java -jar deployer/target/dmlflow-deployer.jar remove "$@"
