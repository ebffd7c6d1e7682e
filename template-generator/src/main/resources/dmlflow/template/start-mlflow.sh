# dmlflow start script: runs in the MLflow container under /bin/sh.
# Builds MLflow's configuration from the settings and secrets ECS injects, then serves; with
# DMLFLOW_MODE=migrate it brings every MLflow database schema up to date and exits instead.
set -eu
set -f

fail() {
  echo "dmlflow: $*" >&2
  exit 64
}

for name in DMLFLOW_DB_HOST DMLFLOW_DB_PORT DMLFLOW_DB_NAME DMLFLOW_DB_USERNAME DMLFLOW_DB_PASSWORD \
    DMLFLOW_AUTH_MODE DMLFLOW_ARTIFACTS_DESTINATION DMLFLOW_ALLOWED_HOSTS; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || fail "$name is not set"
done
case "$DMLFLOW_AUTH_MODE" in
  basic)
    for name in DMLFLOW_AUTH_DB_NAME DMLFLOW_ADMIN_PASSWORD MLFLOW_FLASK_SERVER_SECRET_KEY; do
      eval "value=\${$name:-}"
      [ -n "$value" ] || fail "$name is not set (needed with DMLFLOW_AUTH_MODE=basic)"
    done ;;
  none) ;;
  *) fail "DMLFLOW_AUTH_MODE must be basic or none, not '$DMLFLOW_AUTH_MODE'" ;;
esac

# SQLAlchemy URLs break on @ : / ? # [ ] % in a password: percent-encode user and password.
urlquote() {
  python3 -c 'import sys, urllib.parse; sys.stdout.write(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}
db_user=$(urlquote "$DMLFLOW_DB_USERNAME")
db_password=$(urlquote "$DMLFLOW_DB_PASSWORD")
database_uri() {
  printf 'mysql+pymysql://%s:%s@%s:%s/%s?charset=utf8mb4' \
    "$db_user" "$db_password" "$DMLFLOW_DB_HOST" "$DMLFLOW_DB_PORT" "$1"
}
tracking_uri=$(database_uri "$DMLFLOW_DB_NAME")

if [ "${DMLFLOW_MODE:-serve}" = migrate ]; then
  echo "dmlflow: bringing the tracking schema of database '$DMLFLOW_DB_NAME' up to date"
  # 'mlflow db upgrade' needs existing tables; an empty database is initialised the way
  # 'mlflow server' would on its first start, but once, here, instead of by racing tasks.
  state=$(python3 - "$tracking_uri" <<'PY'
import sys
import sqlalchemy
uri = sys.argv[1]
engine = sqlalchemy.create_engine(uri)
try:
    existing = "alembic_version" in sqlalchemy.inspect(engine).get_table_names()
finally:
    engine.dispose()
if existing:
    print("existing")
else:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    SqlAlchemyStore(uri, "mlflow-artifacts:/")
    print("created")
PY
)
  if [ "$state" = existing ]; then
    mlflow db upgrade "$tracking_uri"
  else
    echo "dmlflow: created the tracking schema in a new database"
  fi
  if [ "$DMLFLOW_AUTH_MODE" = basic ]; then
    echo "dmlflow: bringing the user store in database '$DMLFLOW_AUTH_DB_NAME' up to date"
    python3 -m mlflow.server.auth db upgrade --url "$(database_uri "$DMLFLOW_AUTH_DB_NAME")"
  fi
  echo "dmlflow: schemas are up to date"
  exit 0
fi

# MLflow compares the Host header exactly, port included; DNS names arrive lower-cased.
allowed_hosts=""
cors_origins=""
old_ifs=$IFS
IFS=,
for host in $DMLFLOW_ALLOWED_HOSTS; do
  [ -n "$host" ] || continue
  host=$(printf '%s' "$host" | tr '[:upper:]' '[:lower:]')
  allowed_hosts="${allowed_hosts:+$allowed_hosts,}$host,$host:*"
  cors_origins="${cors_origins:+$cors_origins,}http://$host,https://$host"
done
IFS=$old_ifs

# The load balancer closes idle connections after DMLFLOW_IDLE_TIMEOUT seconds; uvicorn must
# hold them longer, or a request racing the close gets a 502.
keep_alive=$(( ${DMLFLOW_IDLE_TIMEOUT:-300} + 5 ))

set -- mlflow server \
  --host 0.0.0.0 \
  --port "${DMLFLOW_PORT:-5000}" \
  --workers "${DMLFLOW_WORKERS:-2}" \
  --backend-store-uri "$tracking_uri" \
  --artifacts-destination "$DMLFLOW_ARTIFACTS_DESTINATION" \
  --serve-artifacts \
  --allowed-hosts "$allowed_hosts" \
  --cors-allowed-origins "$cors_origins" \
  --uvicorn-opts "--timeout-keep-alive $keep_alive"

if [ "$DMLFLOW_AUTH_MODE" = basic ]; then
  # configparser strips a value's outer spaces and folds line breaks.
  case "$DMLFLOW_ADMIN_PASSWORD" in
    " "*|*" ") fail "DMLFLOW_ADMIN_PASSWORD must not start or end with a space (MLflow reads it from an ini file)" ;;
  esac
  [ "$(printf '%s' "$DMLFLOW_ADMIN_PASSWORD" | wc -l)" -eq 0 ] ||
    fail "DMLFLOW_ADMIN_PASSWORD must not hold a line break (MLflow reads it from an ini file)"
  # MLflow reads this file with configparser, which treats % as interpolation: double it.
  config_dir="${TMPDIR:-/tmp}/dmlflow"
  umask 077
  mkdir -p "$config_dir"
  export MLFLOW_AUTH_CONFIG_PATH="$config_dir/basic_auth.ini"
  {
    printf '[mlflow]\n'
    printf 'default_permission = %s\n' "${DMLFLOW_DEFAULT_PERMISSION:-READ}"
    printf 'database_uri = %s\n' "$(database_uri "$DMLFLOW_AUTH_DB_NAME" | sed 's/%/%%/g')"
    printf 'admin_username = %s\n' "${DMLFLOW_ADMIN_USERNAME:-admin}"
    printf 'admin_password = %s\n' "$(printf '%s' "$DMLFLOW_ADMIN_PASSWORD" | sed 's/%/%%/g')"
    printf 'authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n'
  } > "$MLFLOW_AUTH_CONFIG_PATH"
  set -- "$@" --app-name basic-auth
fi

echo "dmlflow: starting MLflow (auth: $DMLFLOW_AUTH_MODE, allowed hosts: $allowed_hosts)"
exec "$@"
