#!/usr/bin/env python3
"""Run a command on a pseudo-terminal and answer its prompts (tests/bats and tests/vm).

usage: pty_run.py [--expect REGEX --send TEXT]... [--timeout SEC] -- CMD [ARG...]

Each --send is written once everything printed so far matches the --expect before it
(a --send without an --expect is written at once). All output is copied to stdout with
CR LF turned into LF. The exit status is CMD's (128+N when killed by signal N), or 124
when CMD does not finish within the timeout (default 30 s); 2 for a usage error.
"""
import os
import pty
import re
import select
import signal
import sys
import time


def usage(msg):
    print(f"pty_run: {msg}\n{__doc__.strip()}", file=sys.stderr)
    sys.exit(2)


def parse(argv):
    steps, expect, timeout = [], None, 30.0
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return steps, timeout, argv[i + 1:]
        if i + 1 >= len(argv):
            usage(f"{a} needs a value")
        if a == "--expect":
            expect = re.compile(argv[i + 1])
        elif a == "--send":
            steps.append((expect, argv[i + 1].encode()))
            expect = None
        elif a == "--timeout":
            timeout = float(argv[i + 1])
        else:
            usage(f"unknown option {a}")
        i += 2
    usage("no command after --")


def main():
    steps, timeout, cmd = parse(sys.argv[1:])
    if not cmd:
        usage("no command after --")
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            print(f"pty_run: {cmd[0]}: {e.strerror}", file=sys.stderr)
            os._exit(127)
    out, seen, deadline = b"", 0, time.monotonic() + timeout
    status = None
    while True:
        # Send what the output so far allows.
        while steps:
            regex, text = steps[0]
            if regex is not None:
                m = regex.search(out[seen:].decode(errors="replace"))
                if not m:
                    break
                seen = len(out)
            os.write(fd, text)
            steps.pop(0)
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = 124
            break
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                data = b""
            if not data:
                break
            out += data
    if status is None:
        _, st = os.waitpid(pid, 0)
        status = os.waitstatus_to_exitcode(st)
        if status < 0:
            status = 128 - status
    sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
    if status == 124:
        pending = [s[0].pattern for s in steps if s[0] is not None]
        print(f"\npty_run: timed out after {timeout:g} s"
              + (f", waiting for /{pending[0]}/" if pending else ""), file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
