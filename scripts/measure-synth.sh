#!/usr/bin/env bash
# Measures the template generator: wall time of 5 whole-process runs (median), and the
# template's resource count and size. Usage: scripts/measure-synth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

./mvnw -q -B -pl template-generator compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
classpath="template-generator/target/classes:$(cat template-generator/target/classpath.txt)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp README.md "$out/"

times=()
for run in 1 2 3 4 5; do
  start=$(date +%s%N)
  java -cp "$classpath" dmlflow.template.TemplateGenerator "$out" >/dev/null 2>&1
  end=$(date +%s%N)
  times+=("$(( (end - start) / 1000000 ))")
  echo "run $run: ${times[-1]} ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "synth (whole process, CDK validation on): median ${median} ms of 5"

python3 - "$out/templates" <<'PY'
import os, sys, yaml
for name in sorted(os.listdir(sys.argv[1])):
    path = os.path.join(sys.argv[1], name)
    with open(path) as f:
        template = yaml.safe_load(f)
    print(f"templates/{name}: {len(template['Resources'])} resources, "
          f"{len(template.get('Parameters', {}))} parameters, {len(template.get('Outputs', {}))} outputs, "
          f"{os.path.getsize(path)} bytes")
PY
