"""What dmlflow's authorization caches (container/dmlflow_auth.py) let through, and for how long.

Two servers started by the template's start script on the same databases, as two tasks are, each
with one worker and a short cache TTL. The admin makes a user without admin rights an editor of an
experiment and the user logs to a run on server A. A change made through server B reaches A once
A's TTL has passed (until then A still serves: the trade-off the README states); a change made
through A acts on A at once, permissions and the admin flag alike. Each answer is recorded as its
HTTP status; one JSON line out.

Arguments: server A's URL, server B's URL, the admin's password, the cache TTL in seconds.
"""
import json
import sys
import time

import requests

here, elsewhere, admin_password, ttl = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
admin = ("admin", admin_password)
alice = ("alice", "alice-password-42")
bob = ("bob", "bob-password-4242")


def call(base, method, path, who, body=None):
    return requests.request(method, base + "/api/2.0/mlflow" + path, auth=who, json=body, timeout=60)


def ok(base, method, path, who, body=None):
    response = call(base, method, path, who, body)
    if response.status_code != 200:
        raise SystemExit(f"{method} {path} as {who[0]}: {response.status_code} {response.text}")
    return response.json()


steps = iter(range(100))


def log(who, run_id):
    body = {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": int(time.time() * 1000), "step": next(steps)}
    return call(here, "POST", "/runs/log-metric", who, body).status_code


def permission(base, level):
    ok(base, "PATCH", "/experiments/permissions/update", admin,
       {"experiment_id": experiment, "username": "alice", "permission": level})


for user in (alice, bob):
    ok(here, "POST", "/users/create", admin, {"username": user[0], "password": user[1]})
experiment = ok(here, "POST", "/experiments/create", admin, {"name": "cached-permissions"})["experiment_id"]
ok(here, "POST", "/experiments/permissions/create", admin,
   {"experiment_id": experiment, "username": "alice", "permission": "EDIT"})
run_id = ok(here, "POST", "/runs/create", alice, {"experiment_id": experiment})["run"]["info"]["run_id"]

seen = {}
seen["editor"] = log(alice, run_id)                      # step 0
seen["reader"] = log(bob, run_id)                        # step 1
seen["missing_run"] = log(alice, "0" * 32)               # step 2
permission(elsewhere, "READ")
revoked_at = time.monotonic()
seen["revoked_elsewhere_within_ttl"] = log(alice, run_id)    # step 3
within = time.monotonic() - revoked_at
time.sleep(max(0.0, ttl + 0.5 - (time.monotonic() - revoked_at)))
seen["revoked_elsewhere_after_ttl"] = log(alice, run_id)     # step 4
permission(here, "EDIT")
seen["granted_here"] = log(alice, run_id)                # step 5
permission(here, "READ")
seen["revoked_here"] = log(alice, run_id)                # step 6
ok(here, "PATCH", "/users/update-admin", admin, {"username": "bob", "is_admin": True})
seen["promoted_here"] = log(bob, run_id)                 # step 7
ok(here, "PATCH", "/users/update-admin", admin, {"username": "bob", "is_admin": False})
seen["demoted_here"] = log(bob, run_id)                  # step 8
current = ok(here, "GET", "/users/current", alice)

print(json.dumps({"status": seen, "within_seconds": within, "run_id": run_id,
                  "is_basic_auth": current.get("is_basic_auth")}))
