"""Run one command as a child subreaper, so that its orphans are reaped here rather than left as zombies.

``python reaper.py LOG [--user NAME] -- CMD ...``: runs CMD with its output appended to LOG, prints
``PID <n>`` (the command's pid), then waits for the command and for every process it left behind,
and exits with the command's status once the last of them is gone. A kill -9 of a PostgreSQL
postmaster orphans its backends; without a subreaper they become children of PID 1, which in a
container often never reaps them. When this process exits, no process of the old instance is
left, so a new one may start on the same files.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    log, argv = argv[0], argv[1:]
    user = None
    if argv[:1] == ["--user"]:
        user, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print(f"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {ctypes.get_errno()}", file=sys.stderr)
    with open(log, "ab") as out:
        child = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, user=user, group=user, extra_groups=[] if user else None
        )
    print(f"PID {child.pid}", flush=True)
    status = 0
    while True:
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            return status
        if pid == child.pid:
            status = os.waitstatus_to_exitcode(raw)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
