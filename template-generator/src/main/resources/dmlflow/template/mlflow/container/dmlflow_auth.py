"""Short-lived caches in front of the lookups MLflow's basic-auth app makes on every request
(README, "How fast it serves"), and the hook that also installs dmlflow_signin.py when present.

start-mlflow.sh writes this file and a sitecustomize.py that imports it: Python then runs
install() on mlflow.server.auth right after that module's own code, in every process. Cached per
worker for auth_cache_ttl_seconds (the ini; 0 leaves MLflow as it is): a user's admin flag, and a
user's permission on a run (3.12: _get_permission_from_run_id; 3.17, read in its source:
_run_requirement and authorize). Any change through the user store empties that worker's caches;
other workers keep theirs until the TTL ends. Only answers are cached, never errors or a missing
run; where this MLflow lacks a wrapped function, that cache stays off and the log says so.
"""
import importlib.abc
import importlib.machinery
import sys
import threading
import time

AUTH_MODULE = "mlflow.server.auth"
_STORE_CHANGES = ("create_", "update_", "delete_", "grant_", "revoke_", "assign_", "unassign_", "add_",
                  "remove_", "set_", "rename_")


class TtlCache:
    """A thread-safe map whose entries expire seconds after they were stored. clear() also turns
    away the answers of lookups that began before it."""

    def __init__(self, seconds, max_entries=10000):
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key):
        """The value stored for key, or None; and the generation a later put() must present."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] <= time.monotonic():
                del self._entries[key]
                entry = None
            return (None if entry is None else entry[1]), self._generation

    def put(self, key, value, generation):
        now = time.monotonic()
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[key] = (now + self.seconds, value)

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._generation += 1


def _cached(lookup, cache, key):
    """lookup() unless cache holds key; keeps only what lookup returns, never its errors or None."""
    if key is None:
        return lookup()
    value, generation = cache.get(key)
    if value is None:
        value = lookup()
        if value is not None:
            cache.put(key, value, generation)
    return value


def install(module, seconds=None):
    """Puts the caches in front of the lookups this MLflow makes, for seconds (the ini's
    auth_cache_ttl_seconds when None; 0 leaves MLflow as it is); returns what it could not cache,
    each with why."""
    if seconds is None:
        seconds = getattr(getattr(module, "auth_config", None), "auth_cache_ttl_seconds", 0) or 0
    if seconds <= 0 or getattr(module, "_dmlflow_caches", None) is not None:
        return []
    if not _has(module, "authenticate_request"):
        return ["every lookup (this MLflow has no authenticate_request)"]
    store = getattr(module, "store", None)
    if store is None:
        return ["every lookup (this MLflow has no store whose changes would empty the caches)"]
    caches = []
    skipped = []
    # First, so that no cache is ever in place without being emptied on a change.
    _empty_on_change(store, caches)

    def new_cache():
        cache = TtlCache(seconds)
        caches.append(cache)
        return cache

    def username():
        return module.authenticate_request().username

    if _has(module, "sender_is_admin"):
        is_admin, admins = module.sender_is_admin, new_cache()

        def sender_is_admin():
            return _cached(is_admin, admins, (username(),))

        module.sender_is_admin = sender_is_admin
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
                requirements = tuple(requirements)
                try:
                    key = (user, anchor, requirements)
                    hash(key)
                except TypeError:
                    key = None
                return _cached(lambda: decide(user, anchor, list(requirements)), decisions, key)

            module.authorize = authorize
    else:
        skipped.append("run permissions (this MLflow has neither _get_permission_from_run_id"
                       " nor _run_requirement and authorize)")

    module._dmlflow_caches = caches
    return skipped


def _empty_on_change(store, caches):
    """Every call that changes the user store empties the caches, after it has run."""
    for name in dir(type(store)):
        change = getattr(store, name, None)
        if not name.startswith(_STORE_CHANGES) or not callable(change):
            continue

        def changed(*args, _change=change, **kwargs):
            try:
                return _change(*args, **kwargs)
            finally:
                for cache in caches:
                    cache.clear()

        setattr(store, name, changed)


def _has(module, *names):
    return all(callable(getattr(module, name, None)) for name in names)


def _frozen(found):
    return None if found is None else (found[0], tuple(found[1]))


def _report(module):
    try:
        skipped = install(module)
    except Exception as error:  # never stop MLflow from starting: it then checks as it always does
        skipped = [f"every lookup ({type(error).__name__}: {error})"]
    if skipped:
        print("dmlflow: warning: authorization lookups not cached, MLflow makes them on every request: "
              + "; ".join(skipped), file=sys.stderr, flush=True)
    # Sign-in through the load balancer (dmlflow_signin.py), when the start script put it beside
    # this module. If it cannot be set up, only basic credentials get in: it fails closed.
    signin = sys.modules.get("dmlflow_signin")
    if signin is not None:
        try:
            signin.install(module)
        except Exception as error:
            print(f"dmlflow: error: sign-in through the load balancer is off ({type(error).__name__}: {error});"
                  " only MLflow's own passwords are accepted", file=sys.stderr, flush=True)


class _AfterAuthImport(importlib.abc.MetaPathFinder):
    """Finds mlflow.server.auth as Python would, and runs _report on it after its own code."""

    def find_spec(self, name, path=None, target=None):
        if name != AUTH_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            _report(module)

        try:
            spec.loader.exec_module = exec_module
        except (AttributeError, TypeError):  # a loader that takes no new attribute: MLflow as it is
            pass
        return spec


if not any(isinstance(finder, _AfterAuthImport) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AfterAuthImport())
