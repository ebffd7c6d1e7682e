# dmlflow start script: runs in the MLflow container under /bin/sh.
# Builds MLflow's configuration from the settings and secrets ECS injects, then serves; with
# DMLFLOW_MODE=migrate it brings every MLflow database schema up to date and exits instead, with
# check it says whether a migration is due, with gc it purges what was deleted long ago.
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
# Aurora resuming from 0 ACU (~15 s) answers a connection once it is back, and AWS advises client
# connect timeouts above that (Aurora user guide, "Scaling to Zero ACUs"). PyMySQL's connect_timeout
# (10 s by default) bounds only the TCP connect; the greeting and queries wait without a limit.
database_uri() {
  printf 'mysql+pymysql://%s:%s@%s:%s/%s?charset=utf8mb4&connect_timeout=30' \
    "$db_user" "$db_password" "$DMLFLOW_DB_HOST" "$DMLFLOW_DB_PORT" "$1"
}
tracking_uri=$(database_uri "$DMLFLOW_DB_NAME")

# Which MLflow this image holds; basic auth needs Flask-WTF, which MLflow's -full images lack from
# 3.9 until mlflow PR #23892 (merged 2026-06-10) added it to their extras.
mlflow_version=$(python3 -c 'import mlflow; print(mlflow.__version__)') || fail "the image has no importable MLflow"
echo "dmlflow: MLflow $mlflow_version"
if [ "$DMLFLOW_AUTH_MODE" = basic ] && ! python3 -c 'import flask_wtf' 2>/dev/null; then
  fail "this image's MLflow $mlflow_version has no Flask-WTF, which basic auth needs: use an MLflow -full image" \
    "built after mlflow PR #23892 (2026-06-10), such as ghcr.io/mlflow/mlflow:v3.17.0-full, or AuthMode=none"
fi

# Where each schema stands against this image's MLflow, read-only: "tracking STATE [REV [HEAD]]"
# and "auth STATE ..." (container/schema_states.py).
schema_states() {
  python3 - "$tracking_uri" "${1:-}" <<'PY'
# dmlflow:embed schema_states.py
PY
}

if [ "${DMLFLOW_MODE:-serve}" = check ] || [ "${DMLFLOW_MODE:-serve}" = migrate ]; then
  auth_uri=""
  [ "$DMLFLOW_AUTH_MODE" = basic ] && auth_uri=$(database_uri "$DMLFLOW_AUTH_DB_NAME")
  states=$(schema_states "$auth_uri") || fail "cannot read the schemas' revisions (see the error above)"
  tracking_state=$(printf '%s\n' "$states" | sed -n 's/^tracking //p')
  auth_state=$(printf '%s\n' "$states" | sed -n 's/^auth //p')
  set -- $tracking_state
  if [ "$1" = unknown ]; then
    echo "dmlflow: the database's tracking schema is at revision $2, which MLflow $mlflow_version does not know:" \
      "a newer MLflow wrote it. Deploy an image at least as new, or restore the snapshot taken before that upgrade." >&2
    exit 65
  fi
  case "$auth_state" in
    unknown*)
      echo "dmlflow: the user store is at revision ${auth_state#unknown }, which MLflow $mlflow_version does not know:" \
        "a newer MLflow wrote it. Deploy an image at least as new, or restore the snapshot taken before that upgrade." >&2
      exit 65 ;;
  esac
fi

# DMLFLOW_MODE=check says, by its exit code, whether this task definition needs a schema change:
# 0 none; 10 one that running writers must not see (the schema migration then stops the running
# tasks and snapshots the database first); 11 only a new, empty user store (basic auth turned on:
# nothing running uses it, so it is laid while they serve).
if [ "${DMLFLOW_MODE:-serve}" = check ]; then
  echo "dmlflow: tracking schema: $tracking_state${auth_state:+; user store: $auth_state}"
  case "$tracking_state" in
    current*) ;;
    *) echo "dmlflow: schema change needed"; exit 10 ;;
  esac
  case "$auth_state" in
    ""|current*) echo "dmlflow: no schema change needed"; exit 0 ;;
    empty*) echo "dmlflow: a new user store is needed"; exit 11 ;;
    *) echo "dmlflow: schema change needed"; exit 10 ;;
  esac
fi

if [ "${DMLFLOW_MODE:-serve}" = migrate ]; then
  echo "dmlflow: bringing the tracking schema of database '$DMLFLOW_DB_NAME' up to date"
  set -- $tracking_state
  case "$1" in
    empty)
      # 'mlflow db upgrade' needs existing tables: initialise an empty database the way 'mlflow
      # server' would on its first start, but once, here, instead of by racing tasks.
      python3 -c 'import sys; from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore; SqlAlchemyStore(sys.argv[1], "mlflow-artifacts:/")' \
        "$tracking_uri"
      echo "dmlflow: created the tracking schema at revision $2 in a new database" ;;
    current) echo "dmlflow: the tracking schema is already at revision $2" ;;
    behind)
      echo "dmlflow: upgrading the tracking schema from revision $2 to $3"
      mlflow db upgrade "$tracking_uri" ;;
    *) fail "unexpected tracking schema state '$tracking_state'" ;;
  esac
  if [ "$DMLFLOW_AUTH_MODE" = basic ]; then
    echo "dmlflow: bringing the user store in database '$DMLFLOW_AUTH_DB_NAME' up to date ($auth_state)"
    # MLflow's first user-store migration fails on MySQL and MariaDB: lay its tables first
    # (container/prepare_user_store.py says why), then let MLflow run the rest.
    python3 - "$auth_uri" <<'PY' || fail "cannot prepare the user store (see the error above)"
# dmlflow:embed prepare_user_store.py
PY
    python3 -m mlflow.server.auth db upgrade --url "$auth_uri"
  fi
  echo "dmlflow: schemas are up to date"
  exit 0
fi

# DMLFLOW_MODE=gc purges what people deleted more than DMLFLOW_GC_OLDER_THAN_DAYS days ago, with its
# artifacts: MLflow's own 'mlflow gc' (mlflow/cli/__init__.py). A run's artifacts live under an
# mlflow-artifacts: URI, which gc can only delete through a tracking server that serves artifacts
# (gc's help: "you must set MLFLOW_TRACKING_URI"): a server of its own on the loopback, without
# sign-in and out of anyone else's reach, resolves them to the bucket as the service does. Every
# ending prints one "dmlflow gc:" line: the log group's metric filter counts the failed ones.
if [ "${DMLFLOW_MODE:-serve}" = gc ]; then
  days=${DMLFLOW_GC_OLDER_THAN_DAYS:-}
  case "$days" in
    ""|*[!0-9]*) echo "dmlflow gc: failed: DMLFLOW_GC_OLDER_THAN_DAYS must be a whole number of days, not '$days'" >&2
                 exit 64 ;;
  esac
  if [ "$days" -eq 0 ]; then
    echo "dmlflow gc: off (DMLFLOW_GC_OLDER_THAN_DAYS is 0): nothing purged"
    exit 0
  fi
  # Only against the schema this image's MLflow writes: during an upgrade the schedule may start the
  # new image before the migration ran, and the next run purges what this one skips.
  states=$(schema_states "") || { echo "dmlflow gc: failed: cannot read the tracking schema's revision" >&2; exit 1; }
  case "$(printf '%s\n' "$states" | sed -n 's/^tracking //p')" in
    current*) ;;
    *) echo "dmlflow gc: skipped: the tracking schema is not at MLflow $mlflow_version's revision (an upgrade is" \
         "under way); the next run purges"
       exit 0 ;;
  esac
  gc_port=${DMLFLOW_GC_PORT:-5001}
  gc_dir="${TMPDIR:-/tmp}/dmlflow-gc"
  mkdir -p "$gc_dir"
  # In a process group of its own, so that its uvicorn child stops with it at the end.
  python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
    mlflow server --host 127.0.0.1 --port "$gc_port" --workers 1 --backend-store-uri "$tracking_uri" \
    --artifacts-destination "$DMLFLOW_ARTIFACTS_DESTINATION" --serve-artifacts > "$gc_dir/server.log" 2>&1 &
  gc_server=$!
  trap 'kill -TERM "-$gc_server" 2>/dev/null || true' EXIT
  if ! python3 - "http://127.0.0.1:$gc_port/health" "$gc_server" <<'PY'
import os, sys, time, urllib.request
deadline = time.monotonic() + 180
while time.monotonic() < deadline:
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        sys.exit(1)
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(1)
sys.exit(1)
PY
  then
    tail -n 20 "$gc_dir/server.log" >&2
    echo "dmlflow gc: failed: the artifact server gc deletes through did not start (its log is above)" >&2
    exit 1
  fi
  echo "dmlflow gc: purging runs, experiments and models deleted more than $days days ago"
  # gc leaves the logged models of the experiments it removes in the bucket (container/purge_experiment_models.py).
  if ! models=$(MLFLOW_TRACKING_URI="http://127.0.0.1:$gc_port" python3 - "$tracking_uri" "$days" <<'PY'
# dmlflow:embed purge_experiment_models.py
PY
  ); then
    echo "dmlflow gc: failed: cannot delete the logged models of the experiments to purge (the error is above)" >&2
    exit 1
  fi
  echo "dmlflow gc: deleted the artifacts of $models logged models of experiments deleted more than $days days ago"
  if MLFLOW_TRACKING_URI="http://127.0.0.1:$gc_port" mlflow gc --backend-store-uri "$tracking_uri" \
      --older-than "${days}d" > "$gc_dir/gc.log" 2>&1; then
    cat "$gc_dir/gc.log"
    purged=$(grep -c 'has been permanently deleted' "$gc_dir/gc.log" || true)
    echo "dmlflow gc: done: $purged purged (runs with their artifacts, experiments, models)"
    exit 0
  fi
  cat "$gc_dir/gc.log" >&2
  echo "dmlflow gc: failed: mlflow gc stopped with the error above; what it purged before stays purged" >&2
  exit 1
fi

# MLflow compares the Host header exactly and case-sensitively, port included (fnmatch only for
# entries with '*'; mlflow/server/security_utils.py). Browsers and Python's requests send DNS
# names lower-cased, curl and Java clients as written: allow both spellings. An explicit list
# replaces MLflow's default, so name the loopback addresses again: MLflow's own job runner, when
# enabled, calls the server at http://0.0.0.0:PORT (mlflow/server/__init__.py).
allowed_hosts=""
cors_origins=""
add_host() {
  case ",$allowed_hosts," in
    *",$1,"*) ;;
    *) allowed_hosts="${allowed_hosts:+$allowed_hosts,}$1,$1:*"
       cors_origins="${cors_origins:+$cors_origins,}http://$1,https://$1" ;;
  esac
}
old_ifs=$IFS
IFS=,
for host in $DMLFLOW_ALLOWED_HOSTS; do
  [ -n "$host" ] || continue
  add_host "$host"
  add_host "$(printf '%s' "$host" | tr '[:upper:]' '[:lower:]')"
done
IFS=$old_ifs
for host in localhost 127.0.0.1 0.0.0.0; do
  allowed_hosts="$allowed_hosts,$host,$host:*"
done

# The load balancer closes idle connections after DMLFLOW_IDLE_TIMEOUT seconds; uvicorn must
# hold them longer, or a request racing the close gets a 502.
keep_alive=$(( ${DMLFLOW_IDLE_TIMEOUT:-300} + 5 ))

set -- mlflow server \
  --host 0.0.0.0 \
  --port "${DMLFLOW_PORT:-5000}" \
  --workers "${DMLFLOW_WORKERS:-1}" \
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
  auth_cache_seconds=${DMLFLOW_AUTH_CACHE_SECONDS:-60}
  case "$auth_cache_seconds" in
    ""|*[!0-9]*) fail "DMLFLOW_AUTH_CACHE_SECONDS must be a whole number of seconds, not '$auth_cache_seconds'" ;;
  esac
  # MLflow reads this file with configparser, which treats % as interpolation: double it.
  config_dir="${TMPDIR:-/tmp}/dmlflow"
  umask 077
  mkdir -p "$config_dir"
  export MLFLOW_AUTH_CONFIG_PATH="$config_dir/basic_auth.ini"
  # Sign-in through the load balancer (container/dmlflow_signin.py): with oidc or cognito, MLflow
  # takes the person the load balancer signed in (its x-amzn-oidc-data token) as well as passwords.
  signin=${DMLFLOW_SIGNIN:-basic}
  case "$signin" in
    basic) ;;
    oidc|cognito)
      case "${DMLFLOW_SIGNIN_SIGNER:-}" in
        arn:*:elasticloadbalancing:*:loadbalancer/app/*) ;;
        *) fail "DMLFLOW_SIGNIN=$signin needs DMLFLOW_SIGNIN_SIGNER, the load balancer's ARN, not '${DMLFLOW_SIGNIN_SIGNER:-}'" ;;
      esac ;;
    *) fail "DMLFLOW_SIGNIN must be basic, oidc or cognito, not '$signin'" ;;
  esac
  # dmlflow's caches in front of the lookups MLflow makes on every request (container/
  # dmlflow_auth.py), and the sign-in: Python imports sitecustomize at start, which asks for them
  # to be put in once MLflow's auth module has loaded. Left off the path when neither is on.
  if [ "$auth_cache_seconds" -gt 0 ] || [ "$signin" != basic ]; then
    mkdir -p "$config_dir/python"
    cat > "$config_dir/python/dmlflow_auth.py" <<'PY'
# dmlflow:embed dmlflow_auth.py
PY
    printf 'import dmlflow_auth\n' > "$config_dir/python/sitecustomize.py"
    if [ "$signin" != basic ]; then
      cat > "$config_dir/python/dmlflow_signin.py" <<'PY'
# dmlflow:embed dmlflow_signin.py
PY
      printf 'import dmlflow_signin\n' >> "$config_dir/python/sitecustomize.py"
    fi
    export PYTHONPATH="$config_dir/python${PYTHONPATH:+:$PYTHONPATH}"
  fi
  {
    printf '[mlflow]\n'
    printf 'default_permission = %s\n' "${DMLFLOW_DEFAULT_PERMISSION:-READ}"
    printf 'database_uri = %s\n' "$(database_uri "$DMLFLOW_AUTH_DB_NAME" | sed 's/%/%%/g')"
    printf 'admin_username = %s\n' "${DMLFLOW_ADMIN_USERNAME:-admin}"
    printf 'admin_password = %s\n' "$(printf '%s' "$DMLFLOW_ADMIN_PASSWORD" | sed 's/%/%%/g')"
    printf 'authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n'
    # Each worker keeps a verified password for this long instead of running scrypt (~150 ms of
    # CPU) on every request (mlflow PR #22817, off when 0), and dmlflow_auth.py a user's admin flag
    # and run permissions. A changed or deleted password, a demoted admin or a revoked permission
    # is dropped at once only on the worker that served the change; elsewhere it works until the
    # TTL ends.
    printf 'auth_cache_ttl_seconds = %s\n' "$auth_cache_seconds"
  } > "$MLFLOW_AUTH_CONFIG_PATH"
  # An MLflow that does not know the setting ignores it silently: say so, since every request then
  # pays the password check.
  python3 -c 'import sys; from mlflow.server.auth.config import read_auth_config
sys.exit(0 if getattr(read_auth_config(), "auth_cache_ttl_seconds", None) == int(sys.argv[1]) else 1)' \
    "$auth_cache_seconds" 2>/dev/null ||
    echo "dmlflow: warning: MLflow $mlflow_version does not read auth_cache_ttl_seconds: every request pays the password check" >&2
  set -- "$@" --app-name basic-auth
fi

echo "dmlflow: starting MLflow $mlflow_version (auth: $DMLFLOW_AUTH_MODE${signin:+, sign-in: $signin}, allowed hosts: $allowed_hosts)"
exec "$@"
