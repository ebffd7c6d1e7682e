#!/bin/sh
# Rewrites deployer/help/ (every command's --help, which deploy.sh and remove.sh print before the
# first build) from the CLI itself. Run after changing a command's options or descriptions.
set -eu
cd "$(dirname "$0")/.."
bash scripts/ensure-built.sh
rm -rf deployer/help
java -cp deployer/target/dmlflow-deployer.jar dmlflow.deployer.HelpPages deployer/help
