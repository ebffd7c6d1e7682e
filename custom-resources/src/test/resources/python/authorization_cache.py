"""What dmlflow's authorization caches (container/dmlflow_auth.py) let through, and for how long.

Against a server started by the template's start script with one worker and a short cache TTL:
the admin makes a user without admin rights an editor of an experiment, the user logs to a run,
the admin takes the right back, and the user's requests are refused once the TTL has passed (and,
until then, still served: the trade-off the README states). Promoting and demoting a user acts at
once on the worker that served it. Each answer is recorded as its HTTP status; one JSON line out.

Arguments: the server's URL, the admin's password, the cache TTL in seconds.
"""
import json
import sys
import time

import requests

base, admin_password, ttl = sys.argv[1], sys.argv[2], float(sys.argv[3])
admin = ("admin", admin_password)
alice = ("alice", "alice-password-42")
bob = ("bob", "bob-password-4242")
api = base + "/api/2.0/mlflow"


def call(method, path, who, body):
    response = requests.request(method, api + path, auth=who, json=body, timeout=60)
    return response


def ok(method, path, who, body):
    response = call(method, path, who, body)
    if response.status_code != 200:
        raise SystemExit(f"{method} {path} as {who[0]}: {response.status_code} {response.text}")
    return response.json()


def log(who, run_id, step):
    body = {"run_id": run_id, "key": "loss", "value": 1.0 / (step + 1), "timestamp": int(time.time() * 1000),
            "step": step}
    return call("POST", "/runs/log-metric", who, body).status_code


for user in (alice, bob):
    ok("POST", "/users/create", admin, {"username": user[0], "password": user[1]})
experiment = ok("POST", "/experiments/create", admin, {"name": "cached-permissions"})["experiment_id"]
ok("POST", "/experiments/permissions/create", admin,
   {"experiment_id": experiment, "username": "alice", "permission": "EDIT"})
run_id = ok("POST", "/runs/create", alice, {"experiment_id": experiment})["run"]["info"]["run_id"]

seen = {}
seen["editor"] = log(alice, run_id, 0)
seen["reader"] = log(bob, run_id, 1)
seen["missing_run"] = log(alice, "0" * 32, 2)
ok("PATCH", "/experiments/permissions/update", admin,
   {"experiment_id": experiment, "username": "alice", "permission": "READ"})
revoked_at = time.monotonic()
seen["revoked_within_ttl"] = log(alice, run_id, 3)
within = time.monotonic() - revoked_at
time.sleep(max(0.0, ttl + 0.5 - (time.monotonic() - revoked_at)))
seen["revoked_after_ttl"] = log(alice, run_id, 4)

ok("PATCH", "/users/update-admin", admin, {"username": "bob", "is_admin": True})
seen["promoted"] = log(bob, run_id, 5)
ok("PATCH", "/users/update-admin", admin, {"username": "bob", "is_admin": False})
seen["demoted"] = log(bob, run_id, 6)

print(json.dumps({"status": seen, "within_seconds": within, "run_id": run_id}))
