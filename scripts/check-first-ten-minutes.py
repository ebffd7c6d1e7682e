#!/usr/bin/env python3
"""The first ten minutes, as a newcomer lives them: deploy.sh and remove.sh run from another
directory, piped and on a pseudo-terminal, without credentials and with typos, against
moto_server. It asserts what the person sees (exit codes, last lines, colours, suggestions) and
what is left in the account afterwards.

The stack is a small one (deployer/src/test/resources/pipeline-check-stack.yaml, a log group
and a TrackingUri output): moto cannot run the MLflow stack's custom resources. The MLflow
template's own change set is made on moto by PackageCommandTest.

Run by .ci/run after the build; rerun with: python3 scripts/check-first-ten-minutes.py
"""
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "deploy.sh")
REMOVE = os.path.join(ROOT, "remove.sh")
SMALL_STACK = os.path.join(ROOT, "deployer/src/test/resources/pipeline-check-stack.yaml")
ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
REGION = "eu-west-1"
failures = []


def check(condition, what, shown=""):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)
        if shown:
            print("      what the person saw:\n" + "\n".join("      | " + line for line in shown.splitlines()[-25:]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def piped(command, env, cwd, stdin=""):
    """Runs a command with its output piped, as in CI or `| tee`."""
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def on_terminal(command, env, cwd, answers=(), columns=100, interrupt_at=None):
    """Runs a command on a pseudo-terminal of the given width, typing each answer when asked, or
    pressing Ctrl-C (the terminal sends SIGINT) once interrupt_at appears."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execvpe(command[0], command, env)
    import fcntl
    import struct
    import termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    seen = b""
    pending = list(answers)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if interrupt_at and interrupt_at.encode() in seen:
                os.write(fd, b"\x03")
                interrupt_at = None
            if pending and seen.rstrip().endswith(b":"):
                os.write(fd, (pending.pop(0) + "\n").encode())
    else:
        os.kill(pid, 9)
        seen += b"\n(killed: no end within 600 s)"
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace").replace("\r\n", "\n")


def last_line(text):
    lines = [line for line in ESCAPE.sub("", text).replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main():
    work = tempfile.mkdtemp(prefix="dmlflow-newcomer-")
    home = os.path.join(work, "home")
    elsewhere = os.path.join(work, "my-project")
    os.makedirs(home)
    os.makedirs(elsewhere)
    # Build once up front, so that no step below waits for it or sees its messages.
    subprocess.run(["bash", os.path.join(ROOT, "scripts/ensure-built.sh")], check=True)

    port = free_port()
    moto_log = open(os.path.join(work, "moto.log"), "w")
    moto = subprocess.Popen([sys.executable, os.path.join(ROOT, "deployer/src/test/resources/moto_server_with_change_sets.py"),
                             "-H", "127.0.0.1", "-p", str(port)], stdout=moto_log, stderr=subprocess.STDOUT)
    endpoint = "http://127.0.0.1:%d" % port
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        walk(work, home, elsewhere, endpoint)
    finally:
        moto.terminate()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\n%d of the newcomer's steps went wrong:\n  %s" % (len(failures), "\n  ".join(failures)))
        return 1
    print("\nThe first ten minutes hold: every step above as a newcomer would take it.")
    return 0


def walk(work, home, elsewhere, endpoint):
    # A newcomer's shell: no AWS configuration at all, a home of their own, not in the checkout.
    bare = {key: value for key, value in os.environ.items()
            if not key.startswith(("AWS_", "CI", "NO_COLOR", "DMLFLOW_"))}
    bare.update(HOME=home, TERM="xterm-256color", AWS_CONFIG_FILE=os.path.join(home, "none"),
                AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "none"))
    account = dict(bare, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_REGION=REGION)
    aws = {"endpoint_url": endpoint, "region_name": REGION, "aws_access_key_id": "testing",
           "aws_secret_access_key": "testing"}
    cloudformation = boto3.client("cloudformation", **aws)
    s3 = boto3.client("s3", **aws)

    def stacks():
        return sorted(s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]
                      if s["StackStatus"] != "DELETE_COMPLETE")

    # 1. What is there? Help and version at once, every command named.
    code, out, err, took = piped([DEPLOY, "-V"], bare, elsewhere)
    check(code == 0 and out.startswith("dmlflow ") and took < 5, "./deploy.sh -V answers at once (%.1f s)" % took,
          out + err)
    code, out, err, took = piped([DEPLOY, "--help"], bare, elsewhere)
    check(code == 0 and took < 5, "./deploy.sh --help answers at once (%.1f s) from another directory" % took, out + err)
    for command in ("status", "outputs", "logs", "users", "plan", "./remove.sh", "package", "execute"):
        check(command in out, "./deploy.sh --help names " + command, out)
    code, out, err, _ = piped([REMOVE, "--help"], bare, elsewhere)
    check(code == 0 and "--delete-data" in out, "./remove.sh --help shows remove's options", out + err)

    # 2. Typos: the closest command or option and a usage line, exit 2.
    code, out, err, _ = piped([DEPLOY, "stauts"], bare, elsewhere)
    check(code == 2 and "did you mean ./deploy.sh status?" in err and err.count("\n") == 2,
          "a misspelt command gets the closest one and one usage line", out + err)
    code, out, err, _ = piped([DEPLOY, "--stak-name", "demo"], bare, elsewhere)
    check(code == 2 and "did you mean --stack-name?" in err, "a misspelt option gets the closest one", out + err)
    code, out, err, _ = piped([DEPLOY, "plan", "-p", "TaskCpuu=1024"], bare, elsewhere)
    check(code == 2 and "did you mean TaskCpu?" in err, "a misspelt parameter gets the closest one", out + err)
    code, out, err, _ = piped([DEPLOY, "plan", "-p", "AllowedCidr=10.0.0.0"], bare, elsewhere)
    check(code == 2 and "must be" in err and "^" not in err and "AllowedPattern" not in err,
          "a bad value is refused in the template's words, not its regex", out + err)

    # 3. Plan needs no account; a parameters file is read from the person's own directory.
    with open(os.path.join(elsewhere, "params.json"), "w") as f:
        f.write('{"Parameters": {"AuthMode": "none"}}')
    code, out, err, _ = piped([DEPLOY, "plan", "--parameters", "params.json"], bare, elsewhere)
    check(code == 0 and "AuthMode" in out and "(given)" in out,
          "plan reads --parameters params.json from the caller's directory, without credentials", out + err)
    check("anyone on the internet" in out and not ESCAPE.search(out),
          "plan warns about AuthMode=none open to 0.0.0.0/0, without colour codes when piped", out)
    with open(os.path.join(elsewhere, "broken.json"), "w") as f:
        f.write('{"Parameters": {"AuthMode": "none",}}')
    code, out, err, _ = piped([DEPLOY, "plan", "--parameters", "broken.json"], bare, elsewhere)
    check(code == 2 and "line 1, column" in err and "Unexpected character" not in err and "jackson" not in err.lower(),
          "a broken parameters file is pointed at by line and column, without Jackson's text", out + err)

    # 4. No credentials: one sentence, no stack trace, nothing written.
    no_keys = dict(bare, AWS_ENDPOINT_URL=endpoint, AWS_REGION=REGION)
    code, out, err, _ = piped([DEPLOY, "--yes", "--template", SMALL_STACK], no_keys, elsewhere)
    check(code == 1 and last_line(err).startswith("Error: no AWS credentials found") and "Exception" not in err
          and "\tat " not in err, "without credentials: one line saying how to get them", out + err)
    check(stacks() == [], "without credentials nothing is created", str(stacks()))

    # 5. Piped first deploy without --yes: refused before any write.
    code, out, err, _ = piped([DEPLOY, "--stack-name", "demo", "--template", SMALL_STACK], account, elsewhere)
    check(code == 1 and "pass --yes" in last_line(err), "piped, a first create without --yes says to pass --yes",
          out + err)
    check(stacks() == [] and s3.list_buckets()["Buckets"] == [], "and nothing is written: no stack, no bucket",
          str(stacks()))

    # 6. On a terminal, answering no: the plan is shown, nothing stays behind.
    code, seen = on_terminal([DEPLOY, "--stack-name", "demo", "--template", SMALL_STACK], account, elsewhere,
                             answers=["no"])
    check(code == 1 and "Execute this change set?" in seen and "Nothing was created" in seen,
          "on a terminal, no to the question creates nothing and says so", seen)
    check("demo" not in stacks(), "the declined stack is gone, not left in REVIEW_IN_PROGRESS", str(stacks()))

    # 6b. Ctrl-C at the question: the empty stack goes, one line says so, exit 130.
    code, seen = on_terminal([DEPLOY, "--stack-name", "demo", "--template", SMALL_STACK], account, elsewhere,
                             interrupt_at="Execute this change set? Type yes:")
    check(code == 130 and "Interrupted: nothing was created" in last_line(seen),
          "Ctrl-C at the question exits 130 with one line saying what is left", seen)
    check("demo" not in stacks(), "and the interrupted first create leaves no stack", str(stacks()))

    # 7. On a terminal, with a parameters file from the person's directory: it deploys, and the
    #    last line says where the server is, in green.
    with open(os.path.join(elsewhere, "demo.json"), "w") as f:
        f.write('{"Parameters": {"Greeting": "hi"}, "Tags": {"team": "ml"}}')
    code, seen = on_terminal([DEPLOY, "--stack-name", "demo", "--template", SMALL_STACK, "--parameters", "demo.json",
                              "--yes"], account, elsewhere, columns=60)
    check(code == 0 and last_line(seen) == "Stack demo is CREATE_COMPLETE: MLflow is ready at http://hi.example.com",
          "a deploy on a terminal ends on the ready line and exits 0", seen)
    check("\x1b[32mStack demo is CREATE_COMPLETE" in seen, "the ready line is green on a terminal", seen)
    # (moto ends a stack operation at once, so no live line is drawn here: ConsoleTest cuts one to
    # the width, and StackWatcherTest follows a long one.)

    # 8. The same again, piped: no changes, the same last line, no colour.
    code, out, err, _ = piped([DEPLOY, "--stack-name", "demo", "--template", SMALL_STACK, "--parameters", "demo.json",
                               "--yes"], account, elsewhere)
    check(code == 0 and "No changes" in out and last_line(out).startswith("Stack demo is CREATE_COMPLETE: MLflow is ready")
          and not ESCAPE.search(out + err), "piped, the same information without colour codes", out + err)
    code, out, err, _ = piped([DEPLOY, "status", "--stack-name", "demo"], account, elsewhere)
    check(code == 0 and "CREATE_COMPLETE" in out, "status exits 0 on a complete stack", out + err)

    # 9. Errors on a terminal are red, unless NO_COLOR says otherwise.
    code, seen = on_terminal([DEPLOY, "status", "--stack-name", "nothing-here"], account, elsewhere)
    check(code == 1 and "creates it" in seen, "status of a missing stack exits 1 and says what to run", seen)
    code, seen = on_terminal([DEPLOY, "outputs", "--stack-name", "nothing-here"], account, elsewhere)
    check(code == 1 and "\x1b[31mError: stack nothing-here does not exist" in seen, "an error is red on a terminal", seen)
    code, seen = on_terminal([DEPLOY, "outputs", "--stack-name", "nothing-here"], dict(account, NO_COLOR="1"), elsewhere)
    check(code == 1 and "Error: stack nothing-here does not exist" in seen and not ESCAPE.search(seen.replace(
        "\x1b[2K", "")), "and plain with NO_COLOR", seen)

    # 10. Remove: confirmed by name piped with --yes, then the stack is gone; removing a stack
    #     that is not there creates nothing.
    code, out, err, _ = piped([REMOVE, "--stack-name", "demo"], account, elsewhere)
    check(code == 1 and "pass --yes" in err and "demo" in stacks(), "piped, remove without --yes deletes nothing",
          out + err)
    code, out, err, _ = piped([REMOVE, "--stack-name", "demo", "--yes"], account, elsewhere)
    check(code == 0 and "demo" not in stacks(), "remove --yes deletes the stack and exits 0", out + err)
    # In a region this walk has not used: no assets stack there, and none may appear.
    elsewhere_region = dict(account, AWS_REGION="us-west-2")
    west = boto3.client("cloudformation", **dict(aws, region_name="us-west-2"))
    code, out, err, _ = piped([REMOVE, "--stack-name", "never-made", "--yes"], elsewhere_region, elsewhere)
    check(code == 1 and west.list_stacks()["StackSummaries"] == [] and "nothing to remove" in err
          and "Exception" not in err, "removing a stack that never existed creates nothing and says so", out + err)
    code, out, err, _ = piped([DEPLOY, "status", "--stack-name", "never-made"], elsewhere_region, elsewhere)
    check(code == 1 and "./deploy.sh --stack-name never-made creates it" in out,
          "status of a stack that never existed says how to create it", out + err)


if __name__ == "__main__":
    sys.exit(main())
