#!/usr/bin/env bash
# The pipeline's CodeBuild steps (buildspec.yml), run as CodeBuild runs them without privileged
# mode: in a fresh copy of the checkout, with CAP_SYS_ADMIN and CAP_NET_ADMIN dropped from every process, against
# moto_server. The build step builds the jars and makes the change set ('dmlflow package'); the
# execute step, with DMLFLOW_PIPELINE_STEP=execute, runs it ('dmlflow execute'). The stack is a
# small one (deployer/src/test/resources/pipeline-check-stack.yaml): moto cannot run the MLflow
# stack's custom resources; the MLflow template's own change set is made on moto by PackageCommandTest.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
moto_pid=""
cleanup() {
  [[ -n $moto_pid ]] && kill "$moto_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# What the pipeline's source action hands CodeBuild: the checkout's files, no build output.
mkdir "$work/repo"
git ls-files -co --exclude-standard -z | tar --null -cf - -T - | tar -xf - -C "$work/repo"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 deployer/src/test/resources/moto_server_with_change_sets.py -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
  sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
export DMLFLOW_STACK_NAME="pipeline-check-$$" DMLFLOW_TEMPLATE=deployer/src/test/resources/pipeline-check-stack.yaml
export DMLFLOW_DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/dmlflow-pipeline-DeployRole
export DMLFLOW_PARAMETERS_FILE="$work/parameters.json"
echo '{"Parameters": {"Greeting": "hi"}, "Tags": {"project": "mlflow"}}' >"$DMLFLOW_PARAMETERS_FILE"
build_commands=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["phases"]["build"]["commands"][0])' \
  buildspec.yml)
unprivileged=(setpriv --bounding-set=-sys_admin,-net_admin --inh-caps=-sys_admin,-net_admin)

cd "$work/repo"
if "${unprivileged[@]}" ip netns add dmlflow-check 2>/dev/null; then
  ip netns delete dmlflow-check
  echo "check-buildspec: capabilities were not dropped; the check would prove nothing" >&2
  exit 1
fi
echo "check-buildspec: build step, unprivileged" >&2
"${unprivileged[@]}" bash -c "$build_commands"
echo "check-buildspec: execute step, unprivileged" >&2
DMLFLOW_PIPELINE_STEP=execute "${unprivileged[@]}" bash -c "$build_commands"
status=$(python3 -c 'import boto3, os; print(boto3.client("cloudformation").describe_stacks(
    StackName=os.environ["DMLFLOW_STACK_NAME"])["Stacks"][0]["StackStatus"])')
[[ $status == CREATE_COMPLETE ]] || { echo "check-buildspec: the stack is $status, not CREATE_COMPLETE" >&2; exit 1; }
for file in $(python3 -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["artifacts"]["files"]))' \
    buildspec.yml); do
  [[ -f $file ]] || { echo "check-buildspec: the build's artifact $file is missing" >&2; exit 1; }
done
echo "check-buildspec: both pipeline steps passed without CAP_SYS_ADMIN and CAP_NET_ADMIN; stack $DMLFLOW_STACK_NAME is $status"
