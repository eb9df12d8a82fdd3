"""Backends that hang cost a request seconds, and the load balancer's probe keeps answering.

A black-holed peer (a socket that takes connections and never answers, as a
dead route or a stuck server looks) stands in for PostgreSQL and Redis on
127.0.0.1. Without timeouts each wait lasts until gunicorn kills the worker
(30 s), and a few of them starve every worker, /__lbheartbeat__ included.
"""

import concurrent.futures
import http.client
import socket
import time

import pytest

from .conftest import PRODUCTION_ENV, free_port, gunicorn, run_python

pytestmark = [pytest.mark.project, pytest.mark.defaults_only]
TIMEOUT = 2  # the backend timeouts these tests set, in seconds
MARGIN = 4  # what a loaded machine may add on top


@pytest.fixture
def black_hole():
    """A port on 127.0.0.1 where connections complete and nothing is ever answered."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)  # never accept()ed: the kernel completes the handshakes
        yield server.getsockname()[1]


def test_a_database_that_never_answers_fails_within_the_connect_timeout(black_hole):
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"postgres://app:pw@127.0.0.1:{black_hole}/app",
        "DATABASE_CONNECT_TIMEOUT": str(TIMEOUT),
    }
    code = (
        "import django, time; django.setup()\n"
        "from django.db import connection\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    connection.ensure_connection()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, round(time.monotonic() - started, 2))\n"
    )
    result = run_python(code, env)
    error, seconds = result.stdout.split()[-2:]
    assert error == "OperationalError", result.stdout + result.stderr
    assert TIMEOUT * 0.9 <= float(seconds) < TIMEOUT + MARGIN


def test_a_redis_that_never_answers_fails_within_the_socket_timeout(black_hole):
    env = {
        **PRODUCTION_ENV,
        "REDIS_URL": f"redis://127.0.0.1:{black_hole}/0",
        "REDIS_CONNECT_TIMEOUT": str(TIMEOUT),
        "REDIS_SOCKET_TIMEOUT": str(TIMEOUT),
    }
    code = (
        "import django, time; django.setup()\n"
        "from django.core.cache import caches\n"
        "for alias in caches.settings:\n"
        "    started = time.monotonic()\n"
        "    try:\n"
        "        caches[alias].get('probe')\n"
        "    except Exception as exc:\n"
        "        print(alias, type(exc).__name__, round(time.monotonic() - started, 2))\n"
    )
    result = run_python(code, env)
    lines = [line.split() for line in result.stdout.splitlines() if "Error" in line]
    assert lines, result.stdout + result.stderr
    for _alias, _error, seconds in lines:
        assert float(seconds) < TIMEOUT + MARGIN, lines


def _get(port, path, headers=None, timeout=30):
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", path, headers=headers or {})
    status = connection.getresponse().status
    connection.close()
    return status, time.monotonic() - started


def test_with_the_database_black_holed_requests_end_and_the_probe_keeps_answering(
    black_hole, tmp_path
):
    port = free_port()
    env = {
        **PRODUCTION_ENV,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://app:pw@127.0.0.1:{black_hole}/app",
        "DATABASE_CONNECT_TIMEOUT": str(TIMEOUT),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    with gunicorn(env, tmp_path / "gunicorn.log"):
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/__lbheartbeat__", timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        # A session cookie makes each request read the session from the database.
        session = {"Cookie": "sessionid=0123456789abcdefghijklmnopqrstuv"}
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            hung = [pool.submit(_get, port, "/admin/", session) for _ in range(4)]
            time.sleep(0.2)  # let them take both workers first
            probes = [_get(port, "/__lbheartbeat__") for _ in range(3)]
            answered = [future.result() for future in hung]
    text = (tmp_path / "gunicorn.log").read_text()[-3000:]
    print(f"fault database black-holed: requests {answered}, load balancer probes {probes}")
    # Four requests on two workers: two rounds of one connect timeout each.
    assert all(status == 500 for status, _ in answered), (answered, text)
    assert max(seconds for _, seconds in answered) < 2 * TIMEOUT + MARGIN, (answered, text)
    assert all(status == 200 for status, _ in probes), probes
    assert max(seconds for _, seconds in probes) < 2 * TIMEOUT + MARGIN, probes
