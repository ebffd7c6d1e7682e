"""Users logging metrics while the database stalls: MLflow's own client, its default timeout and
retries (MLFLOW_HTTP_REQUEST_TIMEOUT 120 s, MLFLOW_HTTP_REQUEST_MAX_RETRIES 7), one run per thread.

Arguments: tracking URI, seconds to keep logging, threads. Credentials come from
MLFLOW_TRACKING_USERNAME/PASSWORD. Prints one JSON line: for each run the steps whose log_metric
call returned (acknowledged writes), the errors the client raised, and the slowest call.
"""
import json
import sys
import threading
import time

from mlflow import MlflowClient

uri, seconds, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
client = MlflowClient(tracking_uri=uri)
experiment_id = client.create_experiment(f"stall-{time.time_ns()}")
deadline = time.time() + seconds
acknowledged, errors, slowest = {}, [], [0.0]
lock = threading.Lock()


def log_until_deadline():
    run_id = client.create_run(experiment_id).info.run_id
    steps = acknowledged.setdefault(run_id, [])
    step = 0
    while time.time() < deadline:
        step += 1
        started = time.time()
        try:
            client.log_metric(run_id, "loss", 1.0 / step, step=step)
        except Exception as e:  # what a training script would see
            with lock:
                errors.append(f"{type(e).__name__}: {e}")
            return
        with lock:
            steps.append(step)
            slowest[0] = max(slowest[0], time.time() - started)


workers = [threading.Thread(target=log_until_deadline) for _ in range(threads)]
for worker in workers:
    worker.start()
print("logging", flush=True)
for worker in workers:
    worker.join()
print(json.dumps({"acknowledged": acknowledged, "errors": errors, "slowest_seconds": slowest[0]}))
