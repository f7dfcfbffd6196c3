#!/usr/bin/env python3
"""Runs one command attached to a real pseudo-terminal, for test/support/pty.ts.

    python3 pty-driver.py COLS ROWS COMMAND [ARG...]

The command gets a new session whose controlling terminal is the pty slave (stdin, stdout and stderr
all on it, as in a terminal window), with the window size COLS x ROWS set before it starts. Bytes on
this script's stdin are typed into the terminal as they arrive; everything the terminal shows is
copied, raw, to this script's stdout.

stderr carries the protocol lines, each a JSON object on its own line:
    {"pid": N}                    once the command has started
    {"exit": CODE, "signal": S}   when it has ended (S is null, or the signal number that killed it)
This script then exits with CODE, or 128 + S. On SIGTERM, or when its stdin closes (the test
process went away), it kills the command's whole process group with SIGKILL.

Only the standard library (pty, os, select), so CI needs nothing but python3.
"""

import errno
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def report(obj):
    os.write(2, (json.dumps(obj) + "\n").encode())


def write_all(fd, data):
    while data:
        try:
            n = os.write(fd, data)
        except InterruptedError:
            continue
        data = data[n:]


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: pty-driver.py COLS ROWS COMMAND [ARG...]\n")
        return 64
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    argv = sys.argv[3:]

    pid, master = pty.fork()
    if pid == 0:
        # The child: a session leader whose fds 0-2 are the slave. Size the window before exec, so
        # the very first render already sees it.
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvp(argv[0], argv)
        except BaseException as error:  # noqa: BLE001 - anything here must not return into the parent's code
            os.write(2, f"pty-driver: cannot run {argv[0]}: {error}\n".encode())
        finally:
            os._exit(127)

    report({"pid": pid})

    def kill_child(*_):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, kill_child)

    status = None
    stdin_open = True
    master_open = True
    drain_until = None
    while master_open:
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                # A process it left behind may keep the slave open: read what is there, briefly.
                drain_until = time.monotonic() + 0.5
        if drain_until is not None and time.monotonic() > drain_until:
            break
        watched = [master] + ([0] if stdin_open else [])
        try:
            readable, _, _ = select.select(watched, [], [], 0.05)
        except InterruptedError:
            continue
        if master in readable:
            try:
                data = os.read(master, 65536)
            except OSError as error:
                if error.errno != errno.EIO:  # EIO: every slave fd is closed
                    raise
                data = b""
            if data:
                write_all(1, data)
            else:
                master_open = False
        if stdin_open and 0 in readable:
            data = os.read(0, 65536)
            if data:
                try:
                    write_all(master, data)
                except OSError:
                    pass  # the command is gone; its status comes next
            else:
                stdin_open = False
                kill_child()

    if status is None:
        _, status = os.waitpid(pid, 0)
    os.close(master)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        report({"exit": None, "signal": sig})
        return 128 + sig
    code = os.WEXITSTATUS(status)
    report({"exit": code, "signal": None})
    return code


if __name__ == "__main__":
    sys.exit(main())
