"""Durable effects with the real queue: a broker that refuses or hangs at commit time,
and a process that dies right after its commit, lose no effect and run none twice.

The web process reaches Redis through ``FaultProxy``, a TCP relay on 127.0.0.1
that the test switches between forwarding, refusing (connections reset) and
hanging (connections taken, nothing ever answered); the worker talks to Redis
directly, so it keeps consuming. ``manage.py relay_effects`` plays cron here
(each queue's own scheduler runs it in production: see docs/airlock.md).
"""

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from .conftest import PROJECT_DIR
from .test_worker import EXECUTOR, TIMEOUT, Stack, _require_redis

pytestmark = [pytest.mark.airlock, pytest.mark.task_queue]

BROKER_TIMEOUT = 2  # REDIS_CONNECT_TIMEOUT and REDIS_SOCKET_TIMEOUT for the web process
MARGIN = 6  # what a loaded 2-core machine may add on top of the bound
# Queues whose broker is Redis here (django-q too: the stack gives it REDIS_URL).
REDIS_BROKER = EXECUTOR in {"celery", "huey", "dramatiq", "django_q"}


class FaultProxy:
    """A TCP relay to ``upstream`` that can forward, refuse or hang, switched at will."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.mode = "forward"
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, mode):
        """Switch; connections open now are cut (refuse) or left unanswered (hang)."""
        with self.lock:
            self.mode = mode
            if mode != "forward":
                for pair in self.sockets:
                    pair["live"] = False
                    if mode == "refuse":
                        for sock in (pair["client"], pair["upstream"]):
                            sock.close()
                self.sockets = [] if mode == "refuse" else self.sockets

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                mode = self.mode
            if mode == "refuse":
                client.close()
                continue
            if mode == "hang":
                with self.lock:
                    self.sockets.append({"client": client, "upstream": client, "live": False})
                continue
            upstream = socket.create_connection(self.upstream)
            pair = {"client": client, "upstream": upstream, "live": True}
            with self.lock:
                self.sockets.append(pair)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(pair, source, target), daemon=True
                ).start()

    @staticmethod
    def _pump(pair, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if pair["live"]:
                    target.sendall(data)
        except OSError:
            pass

    def close(self):
        self.server.close()
        self.set("refuse")


@pytest.fixture(scope="module")
def proxy():
    if not REDIS_BROKER:
        yield None
        return
    redis_url = _require_redis()
    host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    proxy = FaultProxy((host, int(port or 6379)))
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, proxy):
    stack = Stack(tmp_path_factory.mktemp("durable"))
    stack.env["AIRLOCK_RELAY_AFTER"] = "1"
    if REDIS_BROKER and "REDIS_URL" not in stack.env:
        stack.env["REDIS_URL"] = _require_redis()
    stack.run(sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0")
    bin_dir = Path(sys.executable).parent
    stack.start("worker", "make", "--no-print-directory", "worker", f"BIN={bin_dir}")
    web_env = dict(stack.env)
    if proxy is not None:
        database = stack.env["REDIS_URL"].rsplit("/", 1)[-1]
        web_env.update(
            REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{database}",
            REDIS_CONNECT_TIMEOUT=str(BROKER_TIMEOUT),
            REDIS_SOCKET_TIMEOUT=str(BROKER_TIMEOUT),
            WEB_CONCURRENCY="2",
        )
    saved, stack.env = stack.env, web_env
    stack.start("web", sys.executable, "-m", "gunicorn", "config.wsgi")
    stack.env = saved
    stack.wait_for_web()
    yield stack
    stack.stop()


def relay_until(stack, label, timeout=TIMEOUT):
    """Run relay_effects (as an operator would once the broker is back: ``--all``, without
    waiting for the backoff) until the effect ``label`` has run in the worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.run(sys.executable, "manage.py", "relay_effects", "--all")
        if any(e["label"] == label for e in stack.effects()):
            return stack.wait_for(label)
        time.sleep(1)
    raise AssertionError(f"{label!r} was never relayed: {stack.effects()}\n{stack.log('worker')}")


def runs_of(stack, label):
    return [e for e in stack.effects() if e["label"] == label]


def waiting(stack):
    return stack.run(sys.executable, "manage.py", "relay_effects", "--batch", "1").stdout


def timed_get(stack, path, correlation_id):
    started = time.monotonic()
    status = stack.get(path, correlation_id)
    return status, time.monotonic() - started


def settle(stack, label):
    """A later effect has run, so a duplicate of ``label`` would have by now."""
    marker = f"after-{label}"
    assert stack.get(f"/effects/label/{marker}/", uuid.uuid4().hex) == 200
    stack.run(sys.executable, "manage.py", "relay_effects", "--all")  # a leftover row resent
    stack.wait_for(marker)


if REDIS_BROKER:

    @pytest.mark.parametrize("fault", ["refuse", "hang"])
    def test_a_broker_down_at_commit_time_delays_the_effect_and_loses_nothing(stack, proxy, fault):
        label = f"broker-{fault}"
        correlation_id = uuid.uuid4().hex
        proxy.set(fault)
        try:
            status, seconds = timed_get(stack, f"/effects/label/{label}/", correlation_id)
            print(f"fault {EXECUTOR} broker {fault}: answered {status} in {seconds:.2f} s")
            assert status == 200, stack.log("web")[-3000:]
            # Bounded: a connect and a retry (BROKER_PUBLISH_RETRIES=1) at most.
            assert seconds < 2 * BROKER_TIMEOUT + MARGIN
            assert not runs_of(stack, label)
        finally:
            proxy.set("forward")
        effect = relay_until(stack, label)
        assert effect["correlation_id"] == correlation_id
        assert effect["key"]  # the idempotency key reached the task
        settle(stack, label)
        assert len(runs_of(stack, label)) == 1

    def test_the_load_balancer_probe_answers_while_the_broker_hangs(stack, proxy):
        proxy.set("hang")
        try:
            with_effect = threading.Thread(
                target=stack.get, args=("/effects/label/probe-during-hang/", uuid.uuid4().hex)
            )
            with_effect.start()
            started = time.monotonic()
            with urllib.request.urlopen(
                f"http://127.0.0.1:{stack.port}/__lbheartbeat__", timeout=MARGIN
            ) as response:
                assert response.status == 200
            assert time.monotonic() - started < MARGIN
            with_effect.join(timeout=2 * BROKER_TIMEOUT + MARGIN)
            assert not with_effect.is_alive()
        finally:
            proxy.set("forward")
        relay_until(stack, "probe-during-hang")


DIE_AFTER_COMMIT = """
import os
import django
django.setup()
from django.apps import apps
from django.db import transaction
from tests.worker_effects import record

airlock = __import__(apps.get_app_config("airlock").module.__name__, fromlist=["scope"])
with transaction.atomic():
    # Registered first, so it runs first at the commit: before the effect is sent.
    transaction.on_commit(lambda: os._exit(70))
    with airlock.scope():
        airlock.enqueue(record, "survived-a-death-after-commit")
"""


def test_an_effect_whose_process_dies_right_after_the_commit_is_relayed_once(stack):
    result = subprocess.run(
        [sys.executable, "-c", DIE_AFTER_COMMIT],
        cwd=PROJECT_DIR,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 70, result.stdout + result.stderr
    label = "survived-a-death-after-commit"
    assert not runs_of(stack, label)
    relay_until(stack, label)
    settle(stack, label)
    assert len(runs_of(stack, label)) == 1


def test_an_effect_is_sent_once_when_nothing_goes_wrong(stack):
    assert stack.get("/effects/label/plain-sailing/", uuid.uuid4().hex) == 200
    stack.wait_for("plain-sailing")
    settle(stack, "plain-sailing")
    assert len(runs_of(stack, "plain-sailing")) == 1
    assert "0 waiting" in waiting(stack)
