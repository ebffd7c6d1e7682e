"""The admin's side of the daily purge's test: logs runs with an artifact each through the tracking
server (argv[1]) and deletes some, as people do in the UI. Prints one JSON line of run and
experiment ids: live (never deleted), old and recent (deleted runs), old_experiment (a deleted
experiment), its run old_experiment_run and its logged model old_experiment_model."""
import json
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient

mlflow.set_tracking_uri(sys.argv[1])
client = MlflowClient()


def logged(experiment_id, name):
    with mlflow.start_run(experiment_id=experiment_id, run_name=name) as run:
        mlflow.log_metric("loss", 0.5)
        path = os.path.join(tempfile.mkdtemp(), "model.txt")
        with open(path, "w") as f:
            f.write(name)
        mlflow.log_artifact(path)
    return run.info.run_id


kept = client.create_experiment("purge-kept")
ids = {name: logged(kept, name) for name in ("live", "old", "recent")}
client.delete_run(ids["old"])
client.delete_run(ids["recent"])
gone = client.create_experiment("purge-gone")
ids["old_experiment_run"] = logged(gone, "old_experiment_run")
# A logged model of the experiment, with files, as log_model makes them (MLflow 3's models/ folder).
model = client.create_logged_model(experiment_id=gone, name="purged-model")
folder = tempfile.mkdtemp()
with open(os.path.join(folder, "MLmodel"), "w") as f:
    f.write("flavors: {}\n")
client.log_model_artifacts(model.model_id, folder)
ids["old_experiment_model"] = model.model_id
client.delete_experiment(gone)
ids["old_experiment"] = gone
print(json.dumps(ids))
