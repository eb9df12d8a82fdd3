#!/usr/bin/env python
"""`make start`: the web process and the task worker together; Ctrl-C stops both, every time.

    start.py "<web command>" "<worker command>"

A terminal's Ctrl-C signals its whole foreground process group. Were the two
processes in that group, the worker's own children (Celery's pool, for one)
would get it too, in the middle of the worker's shutdown, and a shell trap
that then signals the group again (``kill 0``) can leave a worker that no
longer stops. So each process runs in a session of its own, where Ctrl-C
never reaches it, and this script alone decides: on SIGINT or SIGTERM (or
when either process exits) it sends SIGTERM once to each main process, the
queues' own signal for a warm shutdown, waits up to GRACE seconds, then
SIGKILLs whatever is left of either process group. It exits with the
status of the process that ended first (0 after Ctrl-C).

Written here rather than taken from a Procfile runner (honcho): those signal
the whole process group, which is what went wrong.
"""

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time

GRACE = 20.0


def stop(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + GRACE
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"start.py: {process.args[0]} did not stop in {GRACE:g} s: killed", flush=True)
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything its children left behind
        process.wait()


def main(commands):
    if len(commands) < 1:
        sys.exit(__doc__)
    asked = []
    signal.signal(signal.SIGINT, lambda number, frame: asked.append(number))
    signal.signal(signal.SIGTERM, lambda number, frame: asked.append(number))
    processes = [subprocess.Popen(shlex.split(c), start_new_session=True) for c in commands]
    status = 0
    while not asked:
        ended = [p for p in processes if p.poll() is not None]
        if ended:
            status = ended[0].returncode
            break
        time.sleep(0.2)
    stop(processes)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
