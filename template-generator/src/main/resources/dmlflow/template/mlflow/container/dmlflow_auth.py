"""dmlflow's layer over MLflow's basic-auth app (start-mlflow.sh writes it beside the auth ini).

The ini names this module's authenticate_request_basic_auth as MLflow's authorization_function.
It authenticates exactly as MLflow's own function does. Importing the module also puts short-lived
caches in front of the two lookups MLflow repeats on every request of a signed-in user:

- whether the user is an admin (MLflow's sender_is_admin: the user store, each request);
- a user's permission on a run: the run read from the tracking store to find its experiment, then
  the user's grants read from the user store. In MLflow 3.12 (the tests') both happen in
  _get_permission_from_run_id, cached by user and run; in 3.17 (read in its source) the run's
  experiment in _run_requirement, cached by run, and the decision in authorize, cached by user and
  what it decides.

Measured with scripts/bench-server.sh (one core, 8 clients logging metrics as a user without admin
rights): about 47 requests/s without these caches, 127 with them, against 131 with no sign-in.

The caches live in each worker for auth_cache_ttl_seconds (the ini; 0 turns them off), the time
MLflow already keeps a verified password. So a revoked permission or a demoted admin keeps working
for up to that long on the workers that cached it; MLflow's own user changes (password, admin flag,
deletion) drop the user from the caches of the worker that serves the change. Only answers are
cached, never errors or a missing run, and a run's experiment never changes. Where this MLflow
lacks the functions a cache wraps, that cache stays off, the log says so, and MLflow makes that
lookup on every request, as it would without dmlflow.
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
    """Puts the caches in front of the lookups this MLflow makes, for seconds (the ini's
    auth_cache_ttl_seconds when None; 0 leaves MLflow as it is); returns what it could not cache,
    each with why."""
    if seconds is None:
        seconds = getattr(getattr(module, "auth_config", None), "auth_cache_ttl_seconds", 0) or 0
    if seconds <= 0 or getattr(module, "_dmlflow_caches", None) is not None:
        return []
    if not _has(module, "authenticate_request"):
        return ["every lookup (this MLflow has no authenticate_request)"]
    caches = []
    skipped = []

    def new_cache():
        cache = TtlCache(seconds)
        caches.append(cache)
        return cache

    def username():
        return module.authenticate_request().username

    if _has(module, "sender_is_admin"):
        is_admin, admins = module.sender_is_admin, new_cache()
        module.sender_is_admin = lambda: _cached(is_admin, admins, (username(),))
    else:
        skipped.append("the admin flag (this MLflow has no sender_is_admin)")

    if _has(module, "_get_permission_from_run_id", "_get_request_param"):
        # MLflow 3.12: a run's permission is its experiment's (mlflow/server/auth/__init__.py).
        run_permission, run_permissions = module._get_permission_from_run_id, new_cache()

        def _get_permission_from_run_id():
            run_id = module._get_request_param("run_id")
            key = (username(), run_id) if isinstance(run_id, str) else None
            return _cached(run_permission, run_permissions, key)

        module._get_permission_from_run_id = _get_permission_from_run_id
    elif _has(module, "_run_requirement", "authorize"):
        # MLflow 3.17 (its "requirements", mlflow/server/auth/__init__.py and requirements.py):
        # _run_requirement(run_id, action) reads the run to find its experiment and returns
        # (anchor, [Requirement, ...]) or None for a missing run, a new list each time, which
        # callers extend; authorize(username, anchor, requirements) reads the user's grants and
        # returns a bool. Requirements are named tuples (hashable). With workspaces on, authorize
        # also depends on the request's workspace: it is cached only with them off, as dmlflow runs.
        run_requirement, requirements_of_runs = module._run_requirement, new_cache()

        def _run_requirement(run_id, action):
            key = (run_id, action) if isinstance(run_id, str) and isinstance(action, str) else None
            found = _cached(lambda: _frozen(run_requirement(run_id, action)), requirements_of_runs, key)
            return None if found is None else (found[0], list(found[1]))

        module._run_requirement = _run_requirement
        workspaces = getattr(module, "MLFLOW_ENABLE_WORKSPACES", None)
        if workspaces is None or not workspaces.get():
            decide, decisions = module.authorize, new_cache()

            def authorize(user, anchor, requirements):
                try:
                    key = (user, anchor, tuple(requirements))
                    hash(key)
                except TypeError:
                    key = None
                return _cached(lambda: decide(user, anchor, requirements), decisions, key)

            module.authorize = authorize
    else:
        skipped.append("run permissions (this MLflow has neither _get_permission_from_run_id"
                       " nor _run_requirement and authorize)")

    invalidate = getattr(module, "_invalidate_user_auth_cache", None)
    if callable(invalidate) and caches:
        def _invalidate_user_auth_cache(name):
            invalidate(name)
            for cache in caches:
                cache.forget_user(name)

        module._invalidate_user_auth_cache = _invalidate_user_auth_cache
    module._dmlflow_caches = caches
    return skipped


def _has(module, *names):
    return all(callable(getattr(module, name, None)) for name in names)


def _frozen(found):
    return None if found is None else (found[0], tuple(found[1]))


_skipped = install()
if _skipped:
    print("dmlflow: warning: authorization lookups not cached, MLflow makes them on every request: "
          + "; ".join(_skipped), file=sys.stderr, flush=True)
