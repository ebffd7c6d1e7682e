"""dmlflow_auth.install against an MLflow that lacks what a cache wraps, and the caches' expiry.

Argument: the folder holding dmlflow_auth.py. One JSON line out.
"""
import json
import sys
import time
import types

sys.path.insert(0, sys.argv[1])
import dmlflow_auth  # noqa: E402  (after the path it is read from)

calls = []
user = types.SimpleNamespace(username="alice")
without_run_lookup = types.SimpleNamespace(
    authenticate_request=lambda: user,
    sender_is_admin=lambda: calls.append("admin") or False,
)
skipped = dmlflow_auth.install(without_run_lookup, seconds=0.5)
first, second = without_run_lookup.sender_is_admin(), without_run_lookup.sender_is_admin()
cached_calls = len(calls)
time.sleep(0.6)
without_run_lookup.sender_is_admin()

nothing = types.SimpleNamespace()
print(json.dumps({
    "skipped": skipped,
    "answers": [first, second],
    "calls_within_ttl": cached_calls,
    "calls_after_ttl": len(calls),
    "off_when_zero": dmlflow_auth.install(types.SimpleNamespace(), seconds=0),
    "no_authentication": dmlflow_auth.install(nothing, seconds=5),
    "untouched": sorted(vars(nothing)),
}))
