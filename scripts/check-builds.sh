#!/usr/bin/env bash
# Builds the custom-resources jar again from clean and checks it is byte-for-byte the one the test
# run built (a reproducible jar keeps its content-hash key, so an unchanged checkout deploys as "No
# changes"); then, where a second JDK is installed (DMLFLOW_SECOND_JDK, default Temurin 25, which
# ships no jmods/), builds the jar and the deployer with it and runs the deployer there.
# Run after ./mvnw verify (.ci/run does); offline.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=custom-resources/target/custom-resources.jar
[[ -f $jar ]] || { echo "check-builds: $jar is missing: run ./mvnw verify first" >&2; exit 1; }
first=$(sha256sum "$jar" | cut -d' ' -f1)
bash ./mvnw -q -B -o -pl custom-resources clean package -DskipTests
second=$(sha256sum "$jar" | cut -d' ' -f1)
if [[ $first != "$second" ]]; then
  echo "check-builds: two builds of custom-resources.jar differ: $first vs $second" >&2
  exit 1
fi
echo "check-builds: custom-resources.jar is reproducible (sha256 $first)"

second_jdk=${DMLFLOW_SECOND_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [[ -x $second_jdk/bin/java ]]; then
  JAVA_HOME=$second_jdk bash ./mvnw -q -B -o -pl custom-resources,deployer -am clean package -DskipTests
  "$second_jdk/bin/java" -jar deployer/target/dmlflow-deployer.jar plan --stack-name check-builds > /dev/null
  echo "check-builds: built and ran the deployer on $("$second_jdk/bin/java" -version 2>&1 | head -n 1)" \
    "($([[ -d $second_jdk/jmods ]] && echo with || echo without) jmods/)"
  # Leave the tree as the default JDK builds it.
  bash ./mvnw -q -B -o -pl custom-resources,deployer -am package -DskipTests
elif [[ -n ${CI:-} ]]; then
  echo "check-builds: no second JDK at $second_jdk (this kind of machine ships Temurin 25 there)" >&2
  exit 1
else
  echo "check-builds: no second JDK at $second_jdk; set DMLFLOW_SECOND_JDK to check one"
fi
