#!/usr/bin/env python3
"""Wall time of one full deploy of the same template to the same moto_server: the dmlflow
deployer (java -jar deployer/target/dmlflow-deployer.jar deploy) against
`aws cloudformation deploy` (AWS CLI v1). Both make and execute a change set and wait for the
stack; both poll at their defaults (the deployer every 5 s, the CLI's waiters every 5 s for the
change set and 30 s for the stack). The deployer's first run also creates its assets bucket,
so one warm-up deploy of another stack goes first.

Usage: scripts/measure-deploy.py   (builds the deployer jar first if it is missing)
"""
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "deployer/target/dmlflow-deployer.jar"
TEMPLATE = ROOT / "deployer/src/test/resources/bench-stack.yaml"
LAUNCHER = ROOT / "deployer/src/test/resources/moto_server_with_change_sets.py"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(command, env):
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed:\n{result.stdout}")
    return elapsed


def main():
    if not JAR.exists():
        subprocess.run([str(ROOT / "mvnw"), "-q", "-B", "-pl", "deployer", "-am", "package", "-DskipTests"],
                       cwd=ROOT, check=True)
    port = free_port()
    moto = subprocess.Popen([sys.executable, str(LAUNCHER), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION="eu-west-1", AWS_DEFAULT_REGION="eu-west-1",
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", CI="true")
        deployer = ["java", "-jar", str(JAR), "deploy", "--yes", "--template", str(TEMPLATE)]
        timed(deployer + ["--stack-name", "warm-up-" + uuid.uuid4().hex[:6]], env)

        ours = timed(deployer + ["--stack-name", "bench-dmlflow-" + uuid.uuid4().hex[:6]], env)
        cli = timed(["aws", "--endpoint-url", endpoint, "cloudformation", "deploy", "--template-file", str(TEMPLATE),
                     "--stack-name", "bench-cli-" + uuid.uuid4().hex[:6], "--parameter-overrides", "Greeting=hello"], env)
        print(f"dmlflow deployer: {ours:.1f} s   aws cloudformation deploy: {cli:.1f} s   ratio {ours / cli:.2f}")
    finally:
        moto.terminate()


if __name__ == "__main__":
    main()
