"""Loopback load against a baked project under gunicorn: shared by the throughput benchmarks.

Why it is built this way:

* A variant is the same baked project with some middleware removed (through
  ``BENCH_DROP_MIDDLEWARE``), so "with" and "without" differ by exactly the
  piece being measured: same code, same settings, same gunicorn.
* Each measurement starts a fresh server (one sync worker) and the variants
  alternate run by run (A B, B A, ...), which cancels drift and spreads each
  process's own speed luck over both sides. Servers are pinned to the first
  core and the load generator to the second (taskset), so they never compete.
* wrk is the load generator when installed (Debian package ``wrk``); without it
  a Python client in a separate process does the same job, more slowly, and the
  row says which one measured.

This module registers no benchmark of its own.
"""

import json
import re
import shutil
import subprocess
import sys
import textwrap
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .common import bakery

# A settings module that is also the URLconf: the project's settings, one
# trivial view, and middleware dropped by name for the "without" variant.
BENCH_SITE = textwrap.dedent(
    '''
    """Benchmark-only settings and URLconf (written by benchmarks/load.py)."""

    import os

    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from config.settings import *  # noqa: F403
    from config.settings import MIDDLEWARE

    ROOT_URLCONF = "benchsite"
    _dropped = [name for name in os.environ.get("BENCH_DROP_MIDDLEWARE", "").split(",") if name]
    MIDDLEWARE = [m for m in MIDDLEWARE if not any(m.endswith(name) for name in _dropped)]


    def trivial(request):
        return HttpResponse(b"ok", content_type="text/plain")


    urlpatterns = [path("trivial/", trivial), path("trivial-post/", csrf_exempt(trivial))]
    '''
)

WRK_DURATION = 4
SERVER_CPU, CLIENT_CPU = "0", "1"
PYTHON_CLIENT = textwrap.dedent(
    """
    import http.client, json, sys, threading, time
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seconds, connections = float(sys.argv[4]), int(sys.argv[5])
    body = open(sys.argv[6], "rb").read() if len(sys.argv) > 6 else None
    method = "POST" if body is not None else "GET"
    headers = {"Content-Type": "application/json"} if body is not None else {}
    latencies, lock, stop = [], threading.Lock(), time.monotonic() + seconds
    def worker():
        mine = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            conn.close()
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    [t.start() for t in threads]; [t.join() for t in threads]
    latencies.sort()
    print(json.dumps({"requests": len(latencies), "seconds": seconds,
                      "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)]}))
    """
)


@dataclass
class Measurement:
    rps: float
    p99_ms: float


def prepare(project, venv):
    """Write the benchmark settings, migrate and collect static files once."""
    (project / "benchsite.py").write_text(BENCH_SITE)
    env = bakery.clean_env(**bakery.PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="benchsite")
    bakery.migrate_and_collectstatic(project, venv, env)


def prepared_project(ctx, prefix):
    """A default bake in the run's scratch space, its virtualenv, and prepare() done."""
    project = bakery.bake(ctx.tempdir(prefix))
    venv = bakery.prepared_venv(project)
    prepare(project, venv)
    return project, venv


def generator_name():
    return "wrk" if shutil.which("wrk") else "python client"


def _to_ms(number, unit):
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


WRK_POST = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("{path}", "rb"))
wrk.body = f:read("*a")
f:close()
"""


def measure(url, seconds=WRK_DURATION, connections=2, body_file=None):
    """Load ``url`` for ``seconds`` (POSTing ``body_file`` as JSON if given); loopback only."""
    assert url.startswith("http://127.0.0.1:"), url
    pin = ["taskset", "-c", CLIENT_CPU] if shutil.which("taskset") else []
    if shutil.which("wrk"):
        script = []
        if body_file is not None:
            lua = Path(body_file).with_suffix(".lua")
            lua.write_text(WRK_POST.replace("{path}", str(body_file)))
            script = ["-s", str(lua)]
        output = subprocess.run(
            [*pin, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *script, url],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        number, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        if errors:
            raise AssertionError(f"{errors.group(1)} failed responses from {url}")
        return Measurement(rps, _to_ms(number, unit))
    host, port_path = url[len("http://") :].split(":", 1)
    port, path = port_path.split("/", 1)
    output = subprocess.run(
        [
            *pin,
            sys.executable,
            "-c",
            PYTHON_CLIENT,
            host,
            port,
            "/" + path,
            str(seconds),
            "4",
            *([str(body_file)] if body_file is not None else []),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    result = json.loads(output)
    return Measurement(result["requests"] / result["seconds"], result["p99"] * 1000)


@dataclass
class Server:
    """One variant to load: which project, from which virtualenv, at which path.

    ``dropped`` names middleware to remove (comma-separated suffixes, see
    BENCH_SITE); ``body`` a file of JSON to POST; ``env`` adds to the server's
    environment (``DJANGO_SETTINGS_MODULE`` defaults to ``benchsite``).
    """

    project: Path
    venv: object
    path: str
    body: Path | None = None
    dropped: str = ""
    env: dict | None = None


def compare(ctx, project, venv, variants, rounds, env=None):
    """Serve each variant of one project in turn and load it, round by round.

    ``variants`` maps a name to (middleware to drop, comma-separated; path to
    load[, a file of JSON to POST there]); ``env`` adds to the servers'
    environment. See compare_servers.
    """
    servers = {}
    for name, (dropped, path, *body) in variants.items():
        servers[name] = Server(project, venv, path, body[0] if body else None, dropped, env)
    return compare_servers(ctx, servers, rounds)


def compare_servers(ctx, servers, rounds):
    """Serve each ``Server`` in turn and load it, round by round, alternating the order.

    Every measurement gets a freshly started server: a process's own luck
    (memory layout, hash seed, what an earlier load left behind) shifts its
    speed by several percent, so reusing one process per variant would bias
    the ratio; restarting spreads that luck over both sides. Returns
    name -> list of Measurement, one per round.
    """
    results = {name: [] for name in servers}
    order = list(servers)
    for round_number in range(rounds):
        for name in order if round_number % 2 == 0 else list(reversed(order)):
            server = servers[name]
            ctx.log(f"  round {round_number + 1}/{rounds}: {name}")
            results[name].append(
                _serve_and_measure(
                    server.project,
                    server.venv,
                    server.dropped,
                    server.path,
                    server.body,
                    server.env,
                )
            )
    return results


def _serve_and_measure(project, venv, dropped, path, body_file=None, extra_env=None):
    env = {
        "DJANGO_SETTINGS_MODULE": "benchsite",
        **(extra_env or {}),
        "BENCH_DROP_MIDDLEWARE": dropped,
        # No access log lines (empty: off, as the project ships; a path, even
        # /dev/null, would format one per request) and no worker recycling: a
        # recycle every GUNICORN_MAX_REQUESTS requests would dominate the p99.
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    with bakery.gunicorn(project, venv, env=env, workers=1, cpus=SERVER_CPU) as (base, process):
        url = base + path
        bakery.wait_for_http(url, process=process)
        data = Path(body_file).read_bytes() if body_file is not None else None
        for _ in range(200):  # warm-up: imports, first-request work, caches
            request = urllib.request.Request(url, data=data)
            if data is not None:
                request.add_header("Content-Type", "application/json")
            urllib.request.urlopen(request, timeout=10).read()
        return measure(url, body_file=body_file)
