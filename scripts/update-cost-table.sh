#!/bin/sh
# Rewrites README's cost table from pricing/us-east-1.json and templates/mlflow.yaml, with the
# estimator ./deploy.sh plan uses. Run after changing a price, a default or the lean profile.
set -eu
cd "$(dirname "$0")/.."
[ -f deployer/target/dmlflow-deployer.jar ] || bash ./mvnw -q -pl deployer -am package -DskipTests
java -cp deployer/target/dmlflow-deployer.jar dmlflow.deployer.cost.CostTable README.md templates/mlflow.yaml pricing
