#!/usr/bin/env python
"""Container health checks (the image's HEALTHCHECK, compose, Kubernetes exec probes).

    healthcheck.py [web]   /__lbheartbeat__ on this container's PORT answers 200
    healthcheck.py worker  the database and broker answer (the heartbeat's checks) and,
                           with Celery, this container's worker answers a ping
    healthcheck.py beat    the database and broker answer, and beat's schedule file exists

Each exits 0 when healthy, else prints why and exits 1. Nothing here reads
$HOSTNAME, which is empty under host networking: the Celery node name comes
from the host name the worker itself uses. ``web`` needs the standard library
only, so it stays cheap at a 10-second interval.
"""

import io
import os
import socket
import sys
import urllib.request
from importlib.util import find_spec
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Where the entry point's `beat` keeps its schedule (dbm may add a suffix).
BEAT_SCHEDULE = Path("/tmp/celerybeat-schedule")


def web():
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/__lbheartbeat__"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return None
            return f"{url}: HTTP {response.status}"
    except Exception as exc:
        return f"{url}: {exc}"


def _backends():
    """The heartbeat's checks (database, migrations, cache, broker) at ERROR level."""
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    django.setup()
    # Quiet when healthy: a probe's output ends up in the orchestrator's events.
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    try:
        call_command("check", databases=["default"], fail_level="ERROR", **quiet)
    except SystemCheckError as exc:
        return str(exc).strip()
    return None


def worker():
    problem = _backends()
    if problem or not find_spec("config.celery"):
        return problem
    from config.celery import app

    node = f"celery@{socket.gethostname()}"
    if not app.control.ping(destination=[node], timeout=5):
        return f"{node} did not answer a ping within 5 s"
    return None


def beat():
    problem = _backends()
    if problem:
        return problem
    if not any(BEAT_SCHEDULE.parent.glob(BEAT_SCHEDULE.name + "*")):
        return f"{BEAT_SCHEDULE} does not exist: beat has not started"
    return None


CHECKS = {"web": web, "worker": worker, "beat": beat}

if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "web"
    if name not in CHECKS:
        sys.exit(f"usage: healthcheck.py [{'|'.join(CHECKS)}]")
    problem = CHECKS[name]()
    if problem:
        print(f"{name}: {problem}", file=sys.stderr)
    sys.exit(1 if problem else 0)
