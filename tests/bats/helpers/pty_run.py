#!/usr/bin/env python3
"""Run a command on a pseudo-terminal and answer its prompts, as a person would.

    pty_run.py [--prompt TEXT] [ANSWER...] -- COMMAND [ARG...]

Each ANSWER is typed, followed by Enter, once the output shows TEXT again
(default "which?"); the word EOF types Ctrl-D instead (end of input). Everything
the command writes to the terminal is copied to stdout, with \r\n turned into
\n; the exit status is the command's (128+N if a signal killed it). A command
that stops answering for 10 s is killed: status 124.
"""
import os
import pty
import select
import signal
import sys
import time

TIMEOUT = 10.0


def main(argv):
    prompt = b"which?"
    if len(argv) >= 2 and argv[0] == "--prompt":
        prompt = argv[1].encode()
        argv = argv[2:]
    if "--" not in argv:
        sys.exit("usage: pty_run.py [--prompt TEXT] [ANSWER...] -- COMMAND [ARG...]")
    cut = argv.index("--")
    answers, cmd = argv[:cut], argv[cut + 1:]

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    out = b""
    seen = 0  # prompts already answered
    deadline = time.monotonic() + TIMEOUT
    while True:
        if answers and out.count(prompt) > seen:
            answer = answers.pop(0)
            seen += 1
            os.write(fd, b"\x04" if answer == "EOF" else answer.encode() + b"\n")
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
            return 124
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal
            data = b""
        if not data:
            break
        out += data
        deadline = time.monotonic() + TIMEOUT
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
