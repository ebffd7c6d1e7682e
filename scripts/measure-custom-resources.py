#!/usr/bin/env python3
"""Measures the custom-resources jar: its size, and the time from a fresh JVM's start to the
first answer PUT arriving at a local stand-in for CloudFormation's ResponseURL.

Two cases, each the median of 5 runs with Lambda's JAVA_TOOL_OPTIONS (tiered C1):
  delete  - HealthGateHandler answering a Delete (no AWS call: the protocol layer alone)
  aws     - SchemaMigrationHandler answering a Create whose first ECS call fails against
            moto_server (SDK client built, request signed, error parsed)

Usage: scripts/measure-custom-resources.py   (builds the jar first if it is missing)
"""
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "custom-resources/target/custom-resources.jar"
EVENTS = ROOT / "custom-resources/src/test/resources/events"
RUNS = 5


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.BaseHTTPRequestHandler):
    arrived = None

    def do_PUT(self):
        Receiver.arrived = time.monotonic()
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def event(name, url, change):
    data = json.loads((EVENTS / name).read_text())
    data["ResponseURL"] = url
    change(data)
    path = Path(tempfile.mkstemp(suffix=".json")[1])
    path.write_text(json.dumps(data))
    return path


def run(handler, event_path, env):
    Receiver.arrived = None
    started = time.monotonic()
    subprocess.run(["java", "-cp", str(JAR), "dmlflow.resources.LocalInvoke", handler, str(event_path), "60"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if Receiver.arrived is None:
        sys.exit("no answer arrived")
    return (Receiver.arrived - started) * 1000


def main():
    if not JAR.exists():
        subprocess.run([str(ROOT / "mvnw"), "-q", "-B", "-pl", "custom-resources", "package", "-DskipTests"],
                       cwd=ROOT, check=True)
    put_port, moto_port = free_port(), free_port()
    server = http.server.HTTPServer(("127.0.0.1", put_port), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", moto_port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{put_port}/response"
        env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}", AWS_REGION="eu-west-1",
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   JAVA_TOOL_OPTIONS="-XX:+TieredCompilation -XX:TieredStopAtLevel=1")

        def to_delete(e):
            e["RequestType"] = "Delete"
            e["PhysicalResourceId"] = "mlflow-HealthGate"

        cases = {
            "delete": ("dmlflow.resources.health.HealthGateHandler", event("health-create.json", url, to_delete)),
            "aws": ("dmlflow.resources.schema.SchemaMigrationHandler", event("schema-create.json", url, lambda e: None)),
        }
        size = JAR.stat().st_size
        print(f"custom-resources.jar: {size} bytes ({size / 1024 / 1024:.1f} MiB)")
        for name, (handler, path) in cases.items():
            times = [run(handler, path, env) for _ in range(RUNS)]
            print(f"{name}: JVM start to answer received, median {statistics.median(times):.0f} ms of {RUNS}"
                  f" (runs: {', '.join(f'{t:.0f}' for t in times)})")
    finally:
        moto.terminate()
        server.shutdown()


if __name__ == "__main__":
    main()
