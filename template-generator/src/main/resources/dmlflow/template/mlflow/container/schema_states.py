"""Where each MLflow schema stands against this image's MLflow, read-only (start-mlflow.sh embeds it).

Arguments: the tracking store's SQLAlchemy URL, and the user store's or an empty string. Prints
"tracking STATE REV [HEAD]" and, with a user store, "auth STATE REV [HEAD]": STATE is empty,
current, behind or unknown (a revision this MLflow does not know: a newer MLflow wrote it).
"""
import os
import sys
import sqlalchemy
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
import mlflow

root = os.path.dirname(mlflow.__file__)

def state(uri, migrations, version_table):
    engine = sqlalchemy.create_engine(uri)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection, opts={"version_table": version_table}).get_current_revision()
    finally:
        engine.dispose()
    scripts = ScriptDirectory(os.path.join(root, *migrations))
    head = scripts.get_current_head()
    if current is None:
        return "empty " + head
    if current == head:
        return "current " + head
    try:
        scripts.get_revision(current)
    except Exception:
        return "unknown " + current
    return "behind " + current + " " + head

print("tracking " + state(sys.argv[1], ["store", "db_migrations"], "alembic_version"))
if sys.argv[2]:
    print("auth " + state(sys.argv[2], ["server", "auth", "db", "migrations"], "alembic_version_auth"))
