#!/usr/bin/env bash
# Benchmarks the tracking server as templates/mlflow.yaml deploys it (scripts/bench-server.py says
# what and how): ./scripts/bench-server.sh [--seconds 10] [--artifact-mib 1024] [--configurations none-2,basic-2,basic-1]
# The real MLflow comes from DMLFLOW_TEST_MLFLOW, or ../shared/mlflow-local, as the tests find it.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  case "$arg" in -h | --help) exec python3 scripts/bench-server.py --mlflow-bin - --help ;; esac
done
for tool in taskset mariadbd moto_server; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-server: $tool is missing (apt-get install mariadb-server util-linux; moto_server comes with python3 -m pip install 'moto[server]')" >&2
    exit 2
  fi
done
if [[ -n ${DMLFLOW_TEST_MLFLOW:-} ]]; then
  venv=$DMLFLOW_TEST_MLFLOW
elif [[ -f ../shared/mlflow-local/install.sh ]]; then
  venv=$PWD/target/bench-mlflow
  bash ../shared/mlflow-local/install.sh "$venv" >&2
else
  echo "bench-server: set DMLFLOW_TEST_MLFLOW to a virtual environment holding mlflow[auth], PyMySQL and boto3" >&2
  exit 2
fi
exec "$venv/bin/python3" scripts/bench-server.py --mlflow-bin "$venv/bin" "$@"
