#!/usr/bin/env python3
"""Benchmarks the MLflow tracking server exactly as templates/mlflow.yaml deploys it.

The container's start script is taken from the template's task definition, with the literal
environment the task definition sets and the template's parameter defaults for the rest (auth
mode, workers, idle timeout), and run under /bin/sh with a real MLflow first on PATH. The backend
is a throwaway MariaDB, the artifact store moto's S3. The server's processes are pinned to CPU 0,
everything else (clients, MariaDB, moto) to CPU 1: one core for the server, as a 1 vCPU task gives.

For each configuration it reports requests/s and p50/p95/p99/max latency of log-metric, log-batch
(1,000 metrics), search-runs and get-run at 1 and 8 keep-alive clients, the latency of /health
probed as the load balancer does while 8 clients run, each server process's peak RSS and the
task's peak total, and a large artifact's round trip through the server's proxy (time, peak RSS,
peak temporary disk).

Run it through scripts/bench-server.sh, which installs the real MLflow and the database first.
"""
import argparse
import base64
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "mlflow.yaml"
SERVER_CPU = 0
OTHER_CPU = 1
ADMIN_PASSWORD = "bench-admin-password-1"
USER = "bench"
USER_PASSWORD = "bench-user-password-1"
BATCH = 1000


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process, what, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on {port} within {seconds} s")


def pinned(cpu, command):
    return ["taskset", "-c", str(cpu)] + command


class MariaDb:
    """A throwaway MariaDB server, as the custom-resources tests start one (FACTS.md)."""

    def __init__(self, work):
        self.dir = work / "mariadb"
        self.dir.mkdir()
        shutil.chown(self.dir, "mysql", "mysql")
        subprocess.run(["mariadb-install-db", "--no-defaults", "--user=mysql", f"--datadir={self.dir / 'data'}",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = free_port()
        self.process = subprocess.Popen(pinned(OTHER_CPU, [
            "mariadbd", "--no-defaults", "--user=mysql", f"--datadir={self.dir / 'data'}",
            f"--socket={self.dir / 'mysqld.sock'}", f"--pid-file={self.dir / 'mysqld.pid'}",
            f"--port={self.port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
            "--character-set-server=utf8mb4", f"--log-error={self.dir / 'error.log'}"]))
        wait_listening(self.port, self.process, "mariadbd")

    def sql(self, statements):
        import pymysql
        connection = pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="")
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            connection.commit()
        finally:
            connection.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(60)


class Moto:
    def __init__(self, work):
        self.port = free_port()
        self.log = open(work / "moto.log", "w")
        self.process = subprocess.Popen(pinned(OTHER_CPU, ["moto_server", "-p", str(self.port)]),
                                        stdout=self.log, stderr=subprocess.STDOUT)
        wait_listening(self.port, self.process, "moto_server")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


def template_container():
    template = yaml.safe_load(TEMPLATE.read_text())
    container = template["Resources"]["TrackingTask"]["Properties"]["ContainerDefinitions"][0]
    parameters = template["Parameters"]
    env = {}
    for variable in container["Environment"]:
        value = variable["Value"]
        if isinstance(value, str):
            env[variable["Name"]] = value
        elif isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
            env[variable["Name"]] = str(parameters[value["Ref"]]["Default"])
    return container["Command"][0], env, parameters


class Server:
    """The container's start script under /bin/sh on CPU 0, as ECS runs it, minus the container."""

    def __init__(self, work, name, script, env):
        self.dir = work / name
        self.dir.mkdir()
        self.tmp = self.dir / "tmp"
        self.tmp.mkdir()
        (self.dir / "start-mlflow.sh").write_text(script)
        self.env = dict(env, TMPDIR=str(self.tmp), HOME=str(self.dir))
        self.port = int(env["DMLFLOW_PORT"])
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def run(self, mode):
        result = subprocess.run(pinned(SERVER_CPU, ["/bin/sh", str(self.dir / "start-mlflow.sh")]),
                                env=dict(self.env, DMLFLOW_MODE=mode), cwd=self.dir,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise SystemExit(f"the start script in {mode} mode failed:\n{result.stdout}{result.stderr}")

    def serve(self):
        self.out = open(self.dir / "server.log", "w")
        self.process = subprocess.Popen(pinned(SERVER_CPU, ["/bin/sh", str(self.dir / "start-mlflow.sh")]),
                                        env=self.env, cwd=self.dir, stdout=self.out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("the server stopped:\n" + (self.dir / "server.log").read_text())
            try:
                if requests.get(self.base + "/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit("/health never answered:\n" + (self.dir / "server.log").read_text())

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def role(pid):
    try:
        argv = [part.decode(errors="replace") for part in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if part]
    except OSError:
        return "gone"
    text = " ".join(argv)
    if "spawn_main" in text:
        return "uvicorn worker"
    if "resource_tracker" in text:
        return "multiprocessing resource tracker"
    if len(argv) > 1 and argv[1].endswith("/mlflow") or argv and argv[0].endswith("/mlflow"):
        return "mlflow server (CLI parent)"
    if "uvicorn" in argv[:3] or "-m uvicorn" in text:
        return "uvicorn (with one worker it serves; with more it supervises)"
    if argv and argv[0].endswith("sh"):
        return "start script"
    return text[:60]


class Sampler(threading.Thread):
    """Every 100 ms: each server process's RSS, their sum (what the task's memory limit counts of
    them), and the bytes in the server's temporary folder."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.peaks = {}
        self.roles = {}
        self.peak_total = 0
        self.peak_tmp = 0
        self.running = True

    def reset(self):
        self.peak_total = 0
        self.peak_tmp = 0

    def run(self):
        while self.running:
            total = 0
            for pid in descendants(self.server.process.pid):
                kib = rss_kib(pid)
                total += kib
                if kib > self.peaks.get(pid, 0):
                    self.peaks[pid] = kib
                    self.roles.setdefault(pid, role(pid))
            self.peak_total = max(self.peak_total, total)
            used = 0
            for folder, _, files in os.walk(self.server.tmp):
                for name in files:
                    try:
                        used += os.stat(os.path.join(folder, name)).st_blocks * 512
                    except OSError:
                        pass
            self.peak_tmp = max(self.peak_tmp, used)
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.join()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def request(session, base, operation, run_id, experiment_id, step):
    now = int(time.time() * 1000)
    if operation == "log-metric":
        return session.post(base + "/api/2.0/mlflow/runs/log-metric", json={
            "run_id": run_id, "key": "loss", "value": random.random(), "timestamp": now, "step": step})
    if operation == "log-batch":
        return session.post(base + "/api/2.0/mlflow/runs/log-batch", json={
            # A batch as autologging sends history: 10 metrics over 100 steps each.
            "run_id": run_id, "metrics": [{"key": f"m{i % 10}", "value": random.random(), "timestamp": now,
                                           "step": step * 100 + i // 10} for i in range(BATCH)]})
    if operation == "search-runs":
        return session.post(base + "/api/2.0/mlflow/runs/search", json={
            "experiment_ids": [experiment_id], "max_results": 100, "order_by": ["attributes.start_time DESC"]})
    if operation == "get-run":
        return session.get(base + "/api/2.0/mlflow/runs/get", params={"run_id": run_id})
    raise ValueError(operation)


def client(arguments):
    """One of MLflow's clients: a keep-alive session, requests one after another until the deadline."""
    base, auth, operation, run_id, experiment_id, warm_until, deadline = arguments
    os.sched_setaffinity(0, {OTHER_CPU})
    session = requests.Session()
    if auth:
        session.auth = auth
    latencies, errors, step = [], [], 0
    while True:
        started = time.time()
        if started >= deadline:
            break
        step += 1
        try:
            response = request(session, base, operation, run_id, experiment_id, step)
            ok = response.status_code == 200
            detail = f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as e:
            ok, detail = False, str(e)
        ended = time.time()
        if started >= warm_until:
            if ok:
                latencies.append(ended - started)
            else:
                errors.append(detail)
    return latencies, errors


class HealthProbe(threading.Thread):
    """The load balancer's health check, once a second instead of every 15 s, with its 5 s timeout."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base = base
        self.latencies = []
        self.failures = 0
        self.running = True

    def run(self):
        session = requests.Session()
        while self.running:
            started = time.time()
            try:
                ok = session.get(self.base + "/health", timeout=5).status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                self.latencies.append(time.time() - started)
            else:
                self.failures += 1
            time.sleep(1)

    def stop(self):
        self.running = False
        self.join()


def api(base, auth, method, path, **kwargs):
    response = requests.request(method, base + path, auth=auth, timeout=60, **kwargs)
    if response.status_code != 200:
        raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:500]}")
    return response.json()


def load(base, auth, operation, clients, seconds, run_ids, experiment_id, pool):
    warm_until = time.time() + 1.0
    deadline = warm_until + seconds
    jobs = [(base, auth, operation, run_ids[i % len(run_ids)], experiment_id, warm_until, deadline)
            for i in range(clients)]
    results = pool.map(client, jobs)
    latencies = [value for values, _ in results for value in values]
    errors = [error for _, found in results for error in found]
    if not latencies:
        raise SystemExit(f"{operation} at {clients} clients: no request succeeded: {errors[:3]}")
    return {
        "operation": operation, "clients": clients, "requests": len(latencies), "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "rps": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * percentile(latencies, 0.95),
        "p99_ms": 1000 * percentile(latencies, 0.99), "max_ms": 1000 * max(latencies),
    }


def artifact_round_trip(server, sampler, auth, mib, work, experiment_id, run_id):
    """A MiB-sized file up and down through the server's proxy (mlflow-artifacts), as MLflow's
    client sends it without AWS credentials: a streamed PUT, then a streamed GET. Each direction's
    peak RSS (all server processes) and peak temporary disk are measured on their own."""
    source = work / "artifact.bin"
    digest = hashlib.sha256()
    with open(source, "wb") as f:
        block = os.urandom(1024 * 1024)
        for i in range(mib):
            chunk = i.to_bytes(8, "big") + block[8:]
            digest.update(chunk)
            f.write(chunk)
    # Where MLflow's client puts a run's artifact: MLflow checks the user's permission on the
    # experiment named by the path's first part.
    path = f"/api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts/{mib}MiB.bin"
    sampler.reset()
    time.sleep(0.5)
    before = sampler.peak_total
    started = time.time()
    with open(source, "rb") as f:
        response = requests.put(server.base + path, data=f, auth=auth, timeout=3600,
                                headers={"Content-Type": "application/octet-stream"})
    if response.status_code != 200:
        raise SystemExit(f"upload: {response.status_code} {response.text[:300]}")
    uploaded = time.time() - started
    time.sleep(0.5)
    up_rss, up_tmp = sampler.peak_total, sampler.peak_tmp
    sampler.reset()
    started = time.time()
    back = hashlib.sha256()
    size = 0
    with requests.get(server.base + path, auth=auth, stream=True, timeout=3600) as response:
        if response.status_code != 200:
            raise SystemExit(f"download: {response.status_code} {response.text[:300]}")
        for chunk in response.iter_content(1024 * 1024):
            back.update(chunk)
            size += len(chunk)
    downloaded = time.time() - started
    time.sleep(0.5)
    down_rss, down_tmp = sampler.peak_total, sampler.peak_tmp
    source.unlink()
    if back.hexdigest() != digest.hexdigest() or size != mib * 1024 * 1024:
        raise SystemExit(f"the artifact came back different ({size} bytes)")
    mib_of = lambda kib: kib / 1024
    return {"mib": mib, "rss_before_mib": mib_of(before), "upload_s": uploaded, "upload_peak_rss_mib": mib_of(up_rss),
            "upload_peak_tmp_mib": up_tmp / 1024 / 1024, "download_s": downloaded,
            "download_peak_rss_mib": mib_of(down_rss), "download_peak_tmp_mib": down_tmp / 1024 / 1024}


def bench(configuration, args, work, mariadb, moto, script, template_env, pool, round_number, with_artifacts):
    name, auth_mode, workers, as_admin = configuration
    log(f"== {name}: AuthMode={auth_mode}, Workers={workers}"
        + (f", as the admin" if as_admin else f", as '{USER}', a user without admin rights" if auth_mode == "basic" else ""))
    database = f"mlflow_{name.replace('-', '_')}_{round_number}"
    mariadb.sql([f"CREATE DATABASE {database} CHARACTER SET utf8mb4",
                 f"CREATE DATABASE {database}_auth CHARACTER SET utf8mb4",
                 f"CREATE USER IF NOT EXISTS 'mlflow'@'%' IDENTIFIED BY 'mlflow-db-password'",
                 f"GRANT ALL PRIVILEGES ON {database}.* TO 'mlflow'@'%'",
                 f"GRANT ALL PRIVILEGES ON {database}_auth.* TO 'mlflow'@'%'"])
    bucket = f"bench-{name}-{round_number}-{time.time_ns()}"
    requests.put(f"{moto.url}/{bucket}", timeout=30).raise_for_status()
    env = dict(template_env)
    env.update({
        "PATH": f"{args.mlflow_bin}:/usr/local/bin:/usr/bin:/bin",
        "DMLFLOW_DB_HOST": "127.0.0.1", "DMLFLOW_DB_PORT": str(mariadb.port),
        "DMLFLOW_DB_NAME": database, "DMLFLOW_AUTH_DB_NAME": f"{database}_auth",
        "DMLFLOW_DB_USERNAME": "mlflow", "DMLFLOW_DB_PASSWORD": "mlflow-db-password",
        "DMLFLOW_AUTH_MODE": auth_mode, "DMLFLOW_WORKERS": str(workers),
        "DMLFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD, "MLFLOW_FLASK_SERVER_SECRET_KEY": "bench-flask-key",
        "DMLFLOW_ARTIFACTS_DESTINATION": f"s3://{bucket}/artifacts",
        "DMLFLOW_ALLOWED_HOSTS": "mlflow.example.com", "DMLFLOW_PORT": str(free_port()),
        "MLFLOW_S3_ENDPOINT_URL": moto.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    })
    env.update(item.split("=", 1) for item in args.env)
    server = Server(work, f"{name}-{round_number}", script, env)
    server.run("migrate")
    server.serve()
    sampler = Sampler(server)
    sampler.start()
    try:
        auth = None
        if auth_mode == "basic":
            admin = ("admin", ADMIN_PASSWORD)
            api(server.base, admin, "POST", "/api/2.0/mlflow/users/create",
                json={"username": USER, "password": USER_PASSWORD})
            # A team member: MLflow checks their permission on every request (the admin skips it).
            auth = admin if as_admin else (USER, USER_PASSWORD)
        experiment_id = api(server.base, auth, "POST", "/api/2.0/mlflow/experiments/create",
                            json={"name": f"bench-{name}"})["experiment_id"]
        run_ids = [api(server.base, auth, "POST", "/api/2.0/mlflow/runs/create",
                       json={"experiment_id": experiment_id, "start_time": int(time.time() * 1000)})["run"]["info"]["run_id"]
                   for _ in range(8)]
        results = []
        health = {}
        for operation in args.operations.split(","):
            for clients in [1, 8]:
                probe = HealthProbe(server.base) if clients == 8 else None
                if probe:
                    probe.start()
                result = load(server.base, auth, operation, clients, args.seconds, run_ids, experiment_id, pool)
                if probe:
                    probe.stop()
                    health[operation] = {"probes": len(probe.latencies), "failures": probe.failures,
                                         "max_ms": 1000 * max(probe.latencies, default=0)}
                results.append(result)
                log("  {operation:<11} {clients} client(s): {rps:7.1f} req/s  p50 {p50_ms:6.0f} ms  "
                    "p95 {p95_ms:6.0f} ms  p99 {p99_ms:6.0f} ms  max {max_ms:6.0f} ms  errors {errors}".format(**result))
        load_rss = dict(sampler.peaks)
        load_total = sampler.peak_total
        artifacts = []
        if with_artifacts:
            for mib in [int(size) for size in args.artifact_mib.split(",") if int(size) > 0]:
                artifact = artifact_round_trip(server, sampler, auth, mib, work, experiment_id, run_ids[0])
                artifacts.append(artifact)
                log("  artifact {mib} MiB (server at {rss_before_mib:.0f} MiB before): up {upload_s:.1f} s,"
                    " peak RSS {upload_peak_rss_mib:.0f} MiB, temporary disk {upload_peak_tmp_mib:.0f} MiB;"
                    " down {download_s:.1f} s, peak RSS {download_peak_rss_mib:.0f} MiB,"
                    " temporary disk {download_peak_tmp_mib:.0f} MiB".format(**artifact))
    finally:
        sampler.stop()
        server.stop()
    processes = [{"role": sampler.roles.get(pid, "?"), "pid": pid, "peak_rss_mib": kib / 1024}
                 for pid, kib in sorted(sampler.peaks.items())]
    for process in processes:
        log(f"  peak RSS {process['peak_rss_mib']:6.0f} MiB  {process['role']}")
    log(f"  peak total RSS under the API load {load_total / 1024:.0f} MiB")
    return {"name": name, "round": round_number, "auth_mode": auth_mode, "workers": workers, "results": results,
            "health": health, "processes": processes, "api_peak_rss_mib": {str(pid): kib / 1024 for pid, kib in load_rss.items()},
            "peak_total_rss_mib_api": load_total / 1024, "artifacts": artifacts}


def markdown(report):
    """Medians over the rounds for speed; the highest peak for memory and /health."""
    names = list(dict.fromkeys(configuration["name"] for configuration in report))
    rounds = max(configuration["round"] for configuration in report) + 1
    lines = [f"Medians of {rounds} round(s) of each configuration, {report[0]['results'][0]['clients']} and 8 clients.", "",
             "| configuration | operation | clients | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        runs = [configuration for configuration in report if configuration["name"] == name]
        for index, first in enumerate(runs[0]["results"]):
            same = [run["results"][index] for run in runs]
            median = lambda key: statistics.median(r[key] for r in same)
            lines.append(f"| {name} | {first['operation']} | {first['clients']} | {median('rps'):.1f} | "
                         f"{median('p50_ms'):.0f} | {median('p95_ms'):.0f} | {median('p99_ms'):.0f} | "
                         f"{max(r['max_ms'] for r in same):.0f} | {sum(r['errors'] for r in same)} |")
    lines += ["", "| configuration | peak RSS per process under the API load (MiB) | all processes (MiB) | /health slowest under 8 clients (ms) |",
              "|---|---|---:|---:|"]
    for name in names:
        runs = [configuration for configuration in report if configuration["name"] == name]
        roles = {}
        for run in runs:
            for process in run["processes"]:
                peak = run["api_peak_rss_mib"].get(str(process["pid"]), 0)
                if peak >= 5:
                    roles[process["role"]] = max(roles.get(process["role"], 0), peak)
        health = max((h["max_ms"] for run in runs for h in run["health"].values()), default=0)
        failures = sum(h["failures"] for run in runs for h in run["health"].values())
        lines.append(f"| {name} | " + ", ".join(f"{role} {peak:.0f}" for role, peak in roles.items())
                     + f" | {max(run['peak_total_rss_mib_api'] for run in runs):.0f} | {health:.0f}"
                     + (f" ({failures} failed)" if failures else "") + " |")
    artifacts = [(run["name"], artifact) for run in report for artifact in run["artifacts"]]
    if artifacts:
        lines += ["", "| configuration | artifact | server before (MiB) | upload | peak RSS | temporary disk | download | peak RSS | temporary disk |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, a in artifacts:
            lines.append(f"| {name} | {a['mib']} MiB | {a['rss_before_mib']:.0f} | {a['upload_s']:.1f} s | "
                         f"{a['upload_peak_rss_mib']:.0f} MiB | {a['upload_peak_tmp_mib']:.0f} MiB | {a['download_s']:.1f} s | "
                         f"{a['download_peak_rss_mib']:.0f} MiB | {a['download_peak_tmp_mib']:.0f} MiB |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(prog="scripts/bench-server.sh", description=__doc__.split("\n")[0])
    parser.add_argument("--mlflow-bin", required=True, help="bin folder of a virtual environment holding MLflow"
                        " (bench-server.sh sets it)")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per operation and client count")
    parser.add_argument("--artifact-mib", default="256,1024",
                        help="sizes of the artifact round trips, comma-separated; 0 skips them")
    parser.add_argument("--artifact-configuration", default="basic-1",
                        help="the configuration whose server carries the artifacts, when it comes last (default: the template's defaults)")
    parser.add_argument("--rounds", type=int, default=1, help="times to run every configuration (medians reported)")
    parser.add_argument("--configurations", default="none-1,basic-1-admin,none-2,basic-2,basic-1",
                        help="AUTHMODE-WORKERS[-admin], comma-separated; basic ones log in as a user without admin rights, or"
                             " with -admin as the admin (whose requests MLflow does not check for permissions)")
    parser.add_argument("--operations", default="log-metric,log-batch,search-runs,get-run",
                        help="which requests to time, comma-separated")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the container beyond the template's (to try a change before making it)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    operations = ["log-metric", "log-batch", "search-runs", "get-run"]
    unknown = [name for name in args.operations.split(",") if name not in operations]
    if unknown:
        parser.error(f"unknown operation {', '.join(unknown)}: choose from {', '.join(operations)}")
    if not all(size.strip().isdigit() for size in args.artifact_mib.split(",")):
        parser.error(f"--artifact-mib takes whole MiB, comma-separated, not '{args.artifact_mib}'")
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds and --seconds must be positive")
    for item in args.env:
        if "=" not in item:
            parser.error(f"--env takes NAME=VALUE, not '{item}'")
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("the benchmark needs two CPUs: one for the server, one for everything else")
    # The sampler and the pool run here: keep them off the server's CPU.
    os.sched_setaffinity(0, {OTHER_CPU})
    script, template_env, parameters = template_container()
    configurations = []
    for item in args.configurations.split(","):
        mode, workers, *who = item.split("-")
        if mode not in ("none", "basic") or not workers.isdigit() or who not in ([], ["admin"]):
            parser.error(f"a configuration is AUTHMODE-WORKERS or basic-WORKERS-admin, not '{item}'")
        configurations.append((item, mode, int(workers), bool(who)))
    log(f"template defaults: AuthMode={parameters['AuthMode']['Default']} Workers={parameters['Workers']['Default']}"
        f" TaskCpu={parameters['TaskCpu']['Default']} TaskMemory={parameters['TaskMemory']['Default']}")
    work = Path(tempfile.mkdtemp(prefix="dmlflow-bench-"))
    os.chmod(work, 0o755)
    mariadb = moto = None
    report = []
    try:
        mariadb = MariaDb(work)
        moto = Moto(work)
        with multiprocessing.get_context("fork").Pool(8) as pool:
            for round_number in range(args.rounds):
                for configuration in configurations:
                    # The large artifacts last of all: what they leave in moto and the database does
                    # not slow the API figures.
                    last = round_number == args.rounds - 1 and configuration == configurations[-1]
                    with_artifacts = last and configuration[0] == args.artifact_configuration
                    report.append(bench(configuration, args, work, mariadb, moto, script, template_env, pool,
                                        round_number, with_artifacts))
    finally:
        if moto:
            moto.stop()
        if mariadb:
            mariadb.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
