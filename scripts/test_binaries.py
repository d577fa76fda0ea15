#!/usr/bin/env python3
"""Runs the test binaries `cargo test --no-run --message-format=json` built, a few at once, as
`cargo test` would run them one after another: from the package root, with cargo's runtime
variables, their own arguments after `--`. On 2 cores one binary at a time left a third of the
machine idle: several tests wait (on pauses the cases need, on a browser, on timeouts they
provoke). Each binary's output is kept and printed whole when it ends, with its time; the exit
status is the first failing binary's, or 0.

  test_binaries.py ARTIFACTS.json JOBS [--skip-binary NAME ...] [--only-binary NAME ...] [-- TEST ARGS]
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

# Started first: the longest binaries (seconds on 2 cores, 2026-12-08), so that the short ones
# fill the gaps beside them instead of one long binary ending the run alone.
LONGEST = ["login_drivers", "selftest", "generated_answers", "docs", "reports", "hostile",
           "capabilities", "strength_and_lifetimes", "cli", "reference", "verdicts"]


def binaries(artifacts, skipped, only):
    found = []
    for line in open(artifacts):
        m = json.loads(line)
        if m.get("reason") != "compiler-artifact" or not m.get("executable") or not m.get("profile", {}).get("test"):
            continue
        name = m["target"]["name"]
        if name in skipped or (only and name not in only):
            continue
        kind = m["target"]["kind"][0]
        label = f"unittests {m['target']['src_path']}" if kind in ("lib", "bin") else f"tests/{name}.rs"
        found.append((name, label, m["executable"]))
    order = {n: i for i, n in enumerate(LONGEST)}
    return sorted(found, key=lambda b: order.get(b[0], len(LONGEST)))


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        extra = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    artifacts, jobs = args[0], int(args[1])
    skipped = {args[i + 1] for i, a in enumerate(args) if a == "--skip-binary"}
    only = {args[i + 1] for i, a in enumerate(args) if a == "--only-binary"}
    queue = binaries(artifacts, skipped, only)
    env = dict(os.environ, CARGO_MANIFEST_DIR=os.getcwd(), CARGO_PKG_NAME="oauth-conformance")
    lock = threading.Lock()
    statuses = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                name, label, exe = queue.pop(0)
            started = time.time()
            with tempfile.TemporaryFile() as out:
                status = subprocess.call([exe, *extra], stdout=out, stderr=subprocess.STDOUT, env=env)
                out.seek(0)
                text = out.read().decode("utf-8", "replace")
            took = time.time() - started
            with lock:
                print(f"     Running {label} ({exe})", flush=True)
                sys.stdout.write(text)
                print(f"== {label} took {took:.1f} s (exit {status})", flush=True)
                statuses.append((label, status))

    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [label for label, status in statuses if status != 0]
    if failed:
        print(f"== failing test binaries: {', '.join(failed)}")
        return next(status for label, status in statuses if status != 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
