#!/usr/bin/env python3
"""Runs the README's shell examples top to bottom against a fresh `deskd serve --demo`, so they
cannot rot. Every ```sh block runs, in order, in one bash session, except a block right after an
HTML comment `<!-- readme: not run -->` (the quick start itself, Docker, the million-ticket seed).
curl is wrapped to fail on any HTTP error, so every example must succeed as written.

    .ci/readme.py [path/to/deskd]      (default: target/debug/deskd)
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = "<!-- readme: not run -->"


def blocks(text):
    """The runnable ```sh blocks, in order, each with the line it starts on."""
    lines = text.split("\n")
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            before = "\n".join(lines[max(0, i - 3):i])
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            if SKIP not in before:
                found.append((i + 1, "\n".join(lines[i + 1:j])))
            i = j
        i += 1
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/deskd"))
    readme = open(os.path.join(ROOT, "README.md")).read()
    work = tempfile.mkdtemp(prefix="deskd-readme-")
    port = free_port()
    env = dict(os.environ)
    env.pop("DESKD_PLATFORM_TOKEN", None)
    env.update(
        DESKD_DATA_DIR=os.path.join(work, ".deskd"),
        DESKD_BIND=f"127.0.0.1:{port}",
        DESKD_BASE_DOMAIN="localhost",
        DESKD_COOKIE_SECURE="false",
        RUST_LOG="warn",
    )
    server = subprocess.Popen([binary, "serve", "--demo"], env=env, cwd=work,
                              stdout=open(os.path.join(work, "server.out"), "w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/ready", headers={"Host": "localhost"}))
                if os.path.exists(os.path.join(work, ".deskd", "demo.env")):
                    break
            except OSError:
                pass
            if server.poll() is not None:
                sys.exit("deskd stopped:\n" + open(os.path.join(work, "server.out")).read())
            time.sleep(0.1)
        script = [
            "set -euo pipefail",
            # Every example must succeed: an HTTP error fails the run, with the answer shown.
            'curl() { command curl --fail-with-body -sS "$@"; echo; }',
            # `cargo run -- …` in the README is the deskd binary CI built, on the same data.
            f'cargo() {{ shift; [ "${{1:-}}" = "--release" ] && shift; [ "${{1:-}}" = "--" ] && shift; "{binary}" "$@"; }}',
            f"export PATH={os.path.dirname(binary)}:$PATH",
        ]
        for line, body in blocks(readme):
            script.append(f"echo '--- README.md line {line}'")
            script.append(f"set -x\n{body}\n{{ set +x; }} 2>/dev/null")
        path = os.path.join(work, "readme.sh")
        open(path, "w").write("\n".join(script) + "\n")
        result = subprocess.run(["bash", path], env=env, cwd=work)
        if result.returncode != 0:
            print(open(os.path.join(work, "server.out")).read()[-4000:], file=sys.stderr)
            sys.exit(f"a README example failed (exit {result.returncode})")
        print(f"ran {len(blocks(readme))} README blocks")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
