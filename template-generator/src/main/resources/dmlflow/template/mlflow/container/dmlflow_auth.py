"""dmlflow's layer over MLflow's basic-auth app (start-mlflow.sh writes it beside the auth ini).

The ini names this module's authenticate_request_basic_auth as MLflow's authorization_function.
It authenticates exactly as MLflow's own function does. Importing the module also puts short-lived
caches in front of the two lookups MLflow repeats on every request of a signed-in user:

- whether the user is an admin (MLflow's sender_is_admin: the user store, each request);
- a user's permission on a run (MLflow's _get_permission_from_run_id: the run from the tracking
  store, then the user's grants on its experiment), keyed by user and run id.

Measured with scripts/bench-server.sh (one core, 8 clients logging metrics as a user without admin
rights): about 47 requests/s without these caches, 127 with them, against 131 with no sign-in.

The caches live in each worker for auth_cache_ttl_seconds (the ini; 0 turns them off), the time
MLflow already keeps a verified password. So a revoked permission or a demoted admin keeps working
for up to that long on the workers that cached it; MLflow's own user changes (password, admin flag,
deletion) drop the user from the caches of the worker that serves the change. Only answers are
cached, never errors, and a run's experiment never changes. Where this MLflow lacks a function a
cache wraps (3.17 authorizes runs through other functions), that cache stays off, the log says so,
and MLflow makes that lookup on every request, as it would without dmlflow.
"""
import sys
import threading
import time

from mlflow.server import auth

authenticate_request_basic_auth = auth.authenticate_request_basic_auth
"""What the ini names as the authorization function: MLflow's own, unchanged."""


class TtlCache:
    """A thread-safe map whose entries expire seconds after they were stored."""

    def __init__(self, seconds, max_entries=10000):
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires <= time.monotonic():
                del self._entries[key]
                return None
            return value

    def put(self, key, value):
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[key] = (now + self.seconds, value)

    def forget_user(self, username):
        with self._lock:
            for key in [k for k in self._entries if k[0] == username]:
                del self._entries[key]


def _cached(lookup, cache, key):
    """Calls lookup() unless cache holds key; stores only what lookup returns, never its errors."""
    if key is None:
        return lookup()
    value = cache.get(key)
    if value is None:
        value = lookup()
        if value is not None:
            cache.put(key, value)
    return value


def install(module=auth, seconds=None):
    """Puts the caches in front of the MLflow lookups this MLflow has, for seconds (the ini's
    auth_cache_ttl_seconds when None; 0 leaves MLflow as it is); returns the lookups it could not
    cache, each with why."""
    if seconds is None:
        seconds = getattr(getattr(module, "auth_config", None), "auth_cache_ttl_seconds", 0) or 0
    if seconds <= 0 or getattr(module, "_dmlflow_caches", None) is not None:
        return []
    if not callable(getattr(module, "authenticate_request", None)):
        return ["every lookup (this MLflow has no authenticate_request)"]
    caches = []
    skipped = []

    def username():
        return module.authenticate_request().username

    def lookup(name, *helpers):
        missing = [n for n in (name, *helpers) if not callable(getattr(module, n, None))]
        if missing:
            skipped.append(f"{name} (this MLflow has no {', '.join(missing)})")
            return None
        cache = TtlCache(seconds)
        caches.append(cache)
        return getattr(module, name), cache

    admin = lookup("sender_is_admin")
    if admin:
        is_admin, admins = admin

        def sender_is_admin():
            return _cached(is_admin, admins, (username(),))

        module.sender_is_admin = sender_is_admin
    run = lookup("_get_permission_from_run_id", "_get_request_param")
    if run:
        run_permission, run_permissions = run

        def _get_permission_from_run_id():
            run_id = module._get_request_param("run_id")
            key = (username(), run_id) if isinstance(run_id, str) else None
            return _cached(run_permission, run_permissions, key)

        module._get_permission_from_run_id = _get_permission_from_run_id
    invalidate = getattr(module, "_invalidate_user_auth_cache", None)
    if callable(invalidate) and caches:
        def _invalidate_user_auth_cache(username):
            invalidate(username)
            for cache in caches:
                cache.forget_user(username)

        module._invalidate_user_auth_cache = _invalidate_user_auth_cache
    module._dmlflow_caches = caches
    return skipped


_skipped = install()
if _skipped:
    print("dmlflow: warning: authorization lookups not cached, MLflow makes them on every request: "
          + "; ".join(_skipped), file=sys.stderr, flush=True)
