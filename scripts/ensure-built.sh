#!/usr/bin/env bash
# Builds the deployer and the custom-resources jar whenever their sources differ from the last
# build's, so deploy.sh and remove.sh always run what the checkout holds (after a git pull too).
# Offline first (the Maven repository already holds everything after one build), online if that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=deployer/target/.dmlflow-sources.sha256
sources=$(find pom.xml .mvn custom-resources/pom.xml custom-resources/proguard.pro custom-resources/build-tools \
  custom-resources/src/main deployer/pom.xml deployer/src/main templates -type f -print0 | sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [[ -f deployer/target/dmlflow-deployer.jar && -f custom-resources/target/custom-resources.jar &&
      -f $stamp && $(cat "$stamp") == "$sources" ]]; then
  exit 0
fi
echo "Building dmlflow (its sources changed since the last build)..." >&2
build=(bash ./mvnw -q -B -DskipTests -pl custom-resources,deployer -am package)
"${build[@]}" -o >&2 2>/dev/null || "${build[@]}" >&2
echo "$sources" > "$stamp"
