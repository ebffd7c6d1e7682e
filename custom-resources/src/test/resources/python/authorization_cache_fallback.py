"""dmlflow_auth.install on stand-ins: an MLflow lacking what a cache wraps, the caches' expiry, and
MLflow 3.17's run authorization, which the tests' MLflow (3.12) does not have.

Argument: the folder holding dmlflow_auth.py. Two JSON lines out.
"""
import json
import sys
import time
import types
from typing import NamedTuple

sys.path.insert(0, sys.argv[1])
import dmlflow_auth  # noqa: E402  (after the path it is read from)

calls = []
user = types.SimpleNamespace(username="alice")
without_run_lookup = types.SimpleNamespace(
    authenticate_request=lambda: user,
    sender_is_admin=lambda: calls.append("admin") or False,
    store=types.SimpleNamespace(),
)
skipped = dmlflow_auth.install(without_run_lookup, seconds=0.5)
first, second = without_run_lookup.sender_is_admin(), without_run_lookup.sender_is_admin()
cached_calls = len(calls)
time.sleep(0.6)
without_run_lookup.sender_is_admin()

nothing = types.SimpleNamespace()
admin_flag = lambda: False  # noqa: E731
storeless = types.SimpleNamespace(authenticate_request=lambda: user, sender_is_admin=admin_flag)
print(json.dumps({
    "skipped": skipped,
    "answers": [first, second],
    "calls_within_ttl": cached_calls,
    "calls_after_ttl": len(calls),
    "off_when_zero": dmlflow_auth.install(types.SimpleNamespace(), seconds=0),
    "no_authentication": dmlflow_auth.install(nothing, seconds=5),
    "untouched": sorted(vars(nothing)),
    "no_store": dmlflow_auth.install(storeless, seconds=5),
    "storeless_untouched": storeless.sender_is_admin is admin_flag,
}))


# MLflow 3.17's run authorization, as its source has it (mlflow/server/auth/__init__.py: the
# requirements model): _run_requirement(run_id, action) -> (anchor, [Requirement]) or None for a
# missing run, a new list each call that callers extend; authorize(user, anchor, requirements) ->
# bool, reading the user's grants; Requirement a NamedTuple (mlflow/server/auth/requirements.py);
# the user store a SqlAlchemyStore whose changes are methods named create_, update_, grant_ ...
class Requirement(NamedTuple):
    resource_type: str
    resource_id: object
    action: str
    fallback_if_no_grant: tuple = ()


class Store:
    def __init__(self):
        self.changes = 0

    def get_user(self, username):
        return username

    def update_user(self, username, is_admin=None):
        self.changes += 1


def mlflow_317(workspaces_on):
    counts = {"runs": 0, "decisions": 0}
    store = Store()

    def _run_requirement(run_id, action):
        counts["runs"] += 1
        if run_id == "missing":
            return None
        experiment = ("experiment", "7")
        return experiment, [Requirement("experiment", "7", "read"),
                            Requirement("run", "*", action, fallback_if_no_grant=(experiment,))]

    def authorize(username, anchor, requirements):
        counts["decisions"] += 1
        if username == "racer":
            store.update_user("racer", is_admin=False)  # a change lands while this lookup runs
        return username == "alice"

    module = types.SimpleNamespace(
        authenticate_request=lambda: user, sender_is_admin=lambda: False, store=store,
        _run_requirement=_run_requirement, authorize=authorize,
        MLFLOW_ENABLE_WORKSPACES=types.SimpleNamespace(get=lambda: workspaces_on))
    return module, counts, authorize


m, counts, original = mlflow_317(False)
skipped_317 = dmlflow_auth.install(m, seconds=60)
anchor, first_list = m._run_requirement("run1", "update")
first_list.append(Requirement("logged_model", "*", "update"))  # as _validate_can_update_run_and_models does
_, second_list = m._run_requirement("run1", "update")
missing = [m._run_requirement("missing", "update"), m._run_requirement("missing", "update")]
decisions = [m.authorize("alice", anchor, second_list), m.authorize("alice", anchor, second_list),
             m.authorize("bob", anchor, second_list), m.authorize("alice", anchor, first_list)]
decision_lookups = counts["decisions"]
run_lookups = counts["runs"]
m.store.update_user("bob", is_admin=True)
m.authorize("alice", anchor, second_list)
m._run_requirement("run1", "update")
after_change = {"decisions": counts["decisions"] - decision_lookups, "runs": counts["runs"] - run_lookups}
before_race = counts["decisions"]
m.authorize("racer", anchor, second_list)
m.authorize("racer", anchor, second_list)
on, _, on_original = mlflow_317(True)
dmlflow_auth.install(on, seconds=60)
print(json.dumps({
    "skipped": skipped_317,
    "run_lookups": run_lookups,
    "lists_apart": len(first_list) == 3 and len(second_list) == 2,
    "missing": missing,
    "decisions": decisions,
    "decision_lookups": decision_lookups,
    "after_a_change": after_change,
    "race_lookups": counts["decisions"] - before_race,
    "workspaces_on_left_alone": on.authorize is on_original,
}))
