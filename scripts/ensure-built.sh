#!/usr/bin/env bash
# Builds the deployer and the custom-resources jar whenever their sources differ from the last
# build's, so deploy.sh and remove.sh always run what the checkout holds (after a git pull too).
# Offline first (the Maven repository already holds everything after one build), online if that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# Java 17 or later runs the build and the CLI; say so before anything else can fail obscurely.
java_line=$(java -version 2>&1 | head -n 1 || true)
java_major=$(printf '%s' "$java_line" | sed -nE 's/.*version "(1\.)?([0-9]+).*/\2/p')
if [[ -z $java_major || $java_major -lt 17 ]]; then
  echo "dmlflow needs Java 17 or later on PATH (found: ${java_line:-no java}); install one, e.g. apt-get install" \
    "openjdk-17-jdk-headless, or set PATH to its bin directory." >&2
  exit 1
fi
stamp=deployer/target/.dmlflow-sources.sha256
sources=$(find pom.xml .mvn custom-resources/pom.xml custom-resources/proguard.pro custom-resources/build-tools \
  custom-resources/src/main deployer/pom.xml deployer/src/main templates -type f -print0 | sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [[ -f deployer/target/dmlflow-deployer.jar && -f custom-resources/target/custom-resources.jar &&
      -f $stamp && $(cat "$stamp") == "$sources" ]]; then
  exit 0
fi
if [[ -f $stamp ]]; then
  echo "Building dmlflow: its sources changed since the last build (about a minute)..." >&2
else
  echo "Building dmlflow once, before its first run (a few minutes on a fresh machine: Maven downloads its libraries)..." >&2
fi
# The build's own output (ProGuard's banner, Maven's downloads) goes to a log, shown only when it fails.
mkdir -p deployer/target
log=deployer/target/dmlflow-build.log
build=(bash ./mvnw -q -B -DskipTests -pl custom-resources,deployer -am package)
if ! "${build[@]}" -o >"$log" 2>&1 && ! "${build[@]}" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "The build failed (its whole output: $PWD/$log). Java 17 or newer and Maven Central (or a mirror in" \
    "~/.m2/settings.xml) are needed; ./mvnw -B -pl custom-resources,deployer -am package repeats it." >&2
  exit 1
fi
echo "$sources" > "$stamp"
