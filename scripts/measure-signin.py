#!/usr/bin/env python3
"""What sign-in through the load balancer costs the server per request: checking one
x-amzn-oidc-data token (container/dmlflow_signin.py, Verifier.claims) with its key cached, as each
request that carries one pays once. Run it with MLflow's Python (which has cryptography), on one
core: taskset -c 0 DIR/bin/python scripts/measure-signin.py
"""
import base64
import json
import os
import sys
import time
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../template-generator/src/main/resources/dmlflow/template/mlflow/container"))
import dmlflow_signin
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

key = ec.generate_private_key(ec.SECP256R1())
pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
signer = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mlflow/50dc6c495c0c9188"
b64 = lambda b: base64.urlsafe_b64encode(b).decode()
header = b64(json.dumps({"alg": "ES256", "kid": "k1", "signer": signer, "exp": time.time() + 3600}).encode())
payload = b64(json.dumps({"email": "a@example.com", "exp": time.time() + 3600}).encode())
r, s = utils.decode_dss_signature(key.sign((header + "." + payload).encode(), ec.ECDSA(hashes.SHA256())))
token = header + "." + payload + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
v = dmlflow_signin.Verifier(signer, fetch=lambda url: pem)
v.claims(token)
n = 2000
t = timeit.timeit(lambda: v.claims(token), number=n)
print("%.1f microseconds per token check (%d checks, key cached)" % (t / n * 1e6, n))
