"""A user's MLflow client: logs a run with a metric and an artifact, or reads them back.

It has no AWS credentials and no S3 endpoint: artifacts can only travel through the tracking
server (mlflow-artifacts:/), as dmlflow serves them.
"""
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient

mlflow.set_tracking_uri(sys.argv[1])
if sys.argv[2] == "log":
    mlflow.set_experiment("dmlflow-round-trip")
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", 0.93)
        path = os.path.join(tempfile.mkdtemp(), "model.txt")
        with open(path, "w") as f:
            f.write("weights-42")
        mlflow.log_artifact(path)
    print(run.info.run_id)
else:
    run_id = sys.argv[3]
    run = MlflowClient().get_run(run_id)
    downloaded = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model.txt")
    with open(downloaded) as f:
        print(run.info.artifact_uri, run.data.metrics["accuracy"], f.read())
