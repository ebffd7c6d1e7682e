"""A large artifact through the tracking server and back, as a user without AWS credentials sends
it: mlflow.log_artifact, then mlflow.artifacts.download_artifacts (both through mlflow-artifacts:/).

Arguments: tracking URI, size in MiB. Prints one JSON line: the run, the file's SHA-256 before and
after, and the seconds each way.
"""
import hashlib
import json
import os
import sys
import tempfile
import time

import mlflow

mlflow.set_tracking_uri(sys.argv[1])
mib = int(sys.argv[2])
folder = tempfile.mkdtemp()
path = os.path.join(folder, "weights.bin")
sent = hashlib.sha256()
block = os.urandom(1024 * 1024)
with open(path, "wb") as f:
    for i in range(mib):
        chunk = i.to_bytes(8, "big") + block[8:]
        sent.update(chunk)
        f.write(chunk)
mlflow.set_experiment("large-artifacts")
with mlflow.start_run() as run:
    started = time.time()
    mlflow.log_artifact(path)
    uploaded = time.time() - started
os.remove(path)
started = time.time()
downloaded_path = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="weights.bin",
                                                      dst_path=tempfile.mkdtemp())
downloaded = time.time() - started
received = hashlib.sha256()
with open(downloaded_path, "rb") as f:
    while chunk := f.read(1024 * 1024):
        received.update(chunk)
print(json.dumps({"run_id": run.info.run_id, "artifact_uri": run.info.artifact_uri, "sent": sent.hexdigest(),
                  "received": received.hexdigest(), "bytes": os.path.getsize(downloaded_path),
                  "upload_seconds": uploaded, "download_seconds": downloaded}))
