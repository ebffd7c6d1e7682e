"""The artifacts of the logged models of experiments the purge is about to remove.

'mlflow gc' deletes a run's artifacts and a deleted logged model's, but hard-deleting an experiment
removes its logged models' rows (the ORM's cascade) and leaves their files under
<experiment>/models/<model id>/ for good (mlflow/cli/__init__.py _gc_tracking_resources, 3.12 and
the source read for 3.17). This runs first, for exactly the experiments gc will remove: deleted,
last updated before the threshold gc computes a moment later. Each model's own artifact location
is deleted, through the tracking server MLFLOW_TRACKING_URI names (the loopback one), never the
experiment's whole folder, which another experiment may share.

Arguments: the tracking database's URI, the number of days. Prints how many models it cleared.
"""
import sys
import time

from mlflow.entities import ViewType
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

store = SqlAlchemyStore(sys.argv[1], "mlflow-artifacts:/")
threshold = int(time.time() * 1000) - int(sys.argv[2]) * 86_400_000


def pages(search):
    token = None
    while True:
        page = search(token)
        yield from page
        token = page.token
        if not token:
            return


cleared = 0
for experiment in pages(lambda token: store.search_experiments(
        view_type=ViewType.DELETED_ONLY, filter_string=f"last_update_time < {threshold}", page_token=token)):
    for model in pages(lambda token: store.search_logged_models(
            experiment_ids=[experiment.experiment_id], max_results=100, page_token=token)):
        get_artifact_repository(model.artifact_location).delete_artifacts()
        cleared += 1
print(cleared)
