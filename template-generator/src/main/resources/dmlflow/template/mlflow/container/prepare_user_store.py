"""Lays the user store's first tables with unique foreign-key names (start-mlflow.sh embeds it).

MLflow's first user-store migration names two foreign keys 'fk_user_id'; MySQL and MariaDB want
constraint names unique per database (errno 121; mlflow issues 9642, 10964), so it fails on an
empty database and then on "Table 'users' already exists". MLflow adopts a database holding that
migration's tables without a version table (a "legacy" user store: _is_legacy_database in
mlflow/server/auth/db/utils.py) by stamping it and running only the later migrations. So this
creates those three tables, with unique names, and MLflow does the rest.

Argument: the user store's SQLAlchemy URL. Does nothing once a revision is recorded.
"""
import sys
import sqlalchemy as sa

engine = sa.create_engine(sys.argv[1])
try:
    with engine.begin() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        if "alembic_version_auth" in tables:
            if connection.execute(sa.text("SELECT COUNT(*) FROM alembic_version_auth")).scalar():
                sys.exit(0)
            # Left empty by a first migration that failed half-way: nothing is recorded in it.
            connection.execute(sa.text("DROP TABLE alembic_version_auth"))
        meta = sa.MetaData()
        sa.Table("users", meta,
                 sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
                 sa.Column("username", sa.String(255), nullable=True),
                 sa.Column("password_hash", sa.String(255), nullable=True),
                 sa.Column("is_admin", sa.Boolean(), nullable=True),
                 sa.UniqueConstraint("username"))
        sa.Table("experiment_permissions", meta,
                 sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
                 sa.Column("experiment_id", sa.String(255), nullable=False),
                 sa.Column("user_id", sa.Integer(), nullable=False),
                 sa.Column("permission", sa.String(255), nullable=True),
                 sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_experiment_permissions_user_id"),
                 sa.UniqueConstraint("experiment_id", "user_id", name="unique_experiment_user"))
        sa.Table("registered_model_permissions", meta,
                 sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
                 sa.Column("name", sa.String(255), nullable=False),
                 sa.Column("user_id", sa.Integer(), nullable=False),
                 sa.Column("permission", sa.String(255), nullable=True),
                 sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_registered_model_permissions_user_id"),
                 sa.UniqueConstraint("name", "user_id", name="unique_name_user"))
        meta.create_all(connection, checkfirst=True)
        print("dmlflow: laid the user store's first tables (unique foreign-key names)")
finally:
    engine.dispose()
