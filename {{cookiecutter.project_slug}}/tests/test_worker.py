"""The real task queue: a web process and `make worker` against a real broker.

A request that succeeds releases its effects to the worker, which runs them
with the request's correlation id; a request that fails (4xx, 5xx, an
exception) or a transaction that rolls back releases nothing. Redis-backed
queues need Redis on 127.0.0.1:6379 (REDIS_TEST_URL overrides it): absent,
these tests fail under CI and are skipped elsewhere, saying why.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from .conftest import INHERITED, PROJECT_DIR, free_port

pytestmark = [pytest.mark.airlock, pytest.mark.guid, pytest.mark.task_queue]

EXECUTOR = settings.AIRLOCK["EXECUTOR"].rsplit(".", 2)[-2]
USES_REDIS = EXECUTOR in {"celery", "huey", "dramatiq"}
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TIMEOUT = 60


def _require_redis():
    """Redis at REDIS_URL, or a clear failure (under CI) or skip (elsewhere)."""
    parts = urlsplit(REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=2).close()
    except OSError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc}); start redis-server"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


class Stack:
    """The web process and the worker, sharing a database, a broker and an effects file."""

    def __init__(self, folder):
        self.folder = folder
        self.effects_file = folder / "effects.jsonl"
        self.port = free_port()
        self.env = {key: os.environ[key] for key in INHERITED if key in os.environ}
        self.env.update(
            DJANGO_SETTINGS_MODULE="tests.settings_worker",
            DJANGO_READ_DOT_ENV_FILE="false",
            DJANGO_DEBUG="true",
            DJANGO_LOG_FORMAT="text",
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            EFFECTS_FILE=str(self.effects_file),
            WORKER_CONCURRENCY="2",
            WORKER_TEST_RUN=uuid.uuid4().hex[:12],  # its own queues (settings_worker)
            PYTHONUNBUFFERED="1",
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY="1",
        )
        if USES_REDIS:
            self.env["REDIS_URL"] = _require_redis()
        self.processes = {}

    def run(self, *args):
        result = subprocess.run(
            args, cwd=PROJECT_DIR, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self, name, *args):
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 (closed in stop)
        self.processes[name] = (
            subprocess.Popen(
                args,
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
            log,
        )

    def wait_for_web(self):
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert time.monotonic() < deadline, self.log("web")
                time.sleep(0.1)

    def log(self, name):
        return (self.folder / f"{name}.log").read_text()

    def stop(self):
        for process, _log in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, log in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()

    def get(self, path, correlation_id):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Correlation-ID": correlation_id}
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def effects(self):
        if not self.effects_file.exists():
            return []
        return [json.loads(line) for line in self.effects_file.read_text().splitlines() if line]

    def wait_for(self, label, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.effects() if e["label"] == label]
            if found:
                return found[0]
            for name, (process, _log) in self.processes.items():
                assert process.poll() is None, f"{name} exited:\n{self.log(name)[-4000:]}"
            time.sleep(0.1)
        raise AssertionError(
            f"effect {label!r} did not run in {timeout}s; ran: {self.effects()}\n"
            f"--- worker\n{self.log('worker')[-4000:]}\n--- web\n{self.log('web')[-4000:]}"
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("worker"))
    stack.run(sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0")
    bin_dir = Path(sys.executable).parent
    stack.start("worker", "make", "--no-print-directory", "worker", f"BIN={bin_dir}")
    stack.start("web", sys.executable, "-m", "gunicorn", "config.wsgi")
    stack.wait_for_web()
    yield stack
    stack.stop()


def new_id():
    return uuid.uuid4().hex


def test_a_successful_request_runs_its_effect_in_the_worker_with_its_id(stack):
    correlation_id = new_id()
    assert stack.get("/effects/status/200/", correlation_id) == 200
    effect = stack.wait_for("status 200")
    assert effect["correlation_id"] == correlation_id
    # The worker's own log line for it carries the same id.
    deadline = time.monotonic() + 10
    while correlation_id not in stack.log("worker") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert correlation_id in stack.log("worker")


def test_redirects_release_effects_and_failures_never_do(stack):
    ids = {path: new_id() for path in ["302", "400", "404", "500", "raise", "rollback"]}
    assert stack.get("/effects/status/302/", ids["302"]) == 302
    assert stack.get("/effects/status/400/", ids["400"]) == 400
    assert stack.get("/effects/status/404/", ids["404"]) == 404
    assert stack.get("/effects/status/500/", ids["500"]) == 500
    assert stack.get("/effects/raise/", ids["raise"]) == 500
    assert stack.get("/effects/rollback/", ids["rollback"]) == 200
    assert stack.wait_for("status 302")["correlation_id"] == ids["302"]
    assert stack.wait_for("after rollback")["correlation_id"] == ids["rollback"]
    # A later effect has run, so the dropped ones would have by now.
    assert stack.get("/effects/status/201/", new_id()) == 201
    stack.wait_for("status 201")
    time.sleep(1)
    labels = {effect["label"] for effect in stack.effects()}
    assert not labels & {"status 400", "status 404", "status 500", "raised", "rolled back"}


def test_the_queues_own_tasks_get_every_keyword_argument(stack):
    correlation_id = new_id()
    assert stack.get("/effects/native/", correlation_id) == 200
    effect = stack.wait_for("native")
    assert effect["correlation_id"] == correlation_id
    assert effect["kwargs"] == {
        "group": "g",
        "priority": "p",
        "delay": "d",
        "timeout": "t",
        "hook": "h",
    }


def test_plain_functions_get_keyword_arguments_named_like_queue_options(stack):
    correlation_id = new_id()
    assert stack.get("/effects/plain-option-names/", correlation_id) == 200
    effect = stack.wait_for("plain")
    assert effect["correlation_id"] == correlation_id
    assert effect["kwargs"] == {"group": "g", "task_name": "n", "q_options": "q", "retries": "r"}


if EXECUTOR == "celery":  # defined for Celery projects only (no skipped test elsewhere)

    def test_celery_delay_carries_the_id_and_the_parent_task_run(stack):
        correlation_id = new_id()
        assert stack.get("/effects/delay/", correlation_id) == 200
        parent = stack.wait_for("delayed")
        child = stack.wait_for("delayed, child")
        assert parent["correlation_id"] == child["correlation_id"] == correlation_id
        assert parent["current_id"] and child["parent_id"] == parent["current_id"]
        assert child["current_id"] != parent["current_id"]


BROKER_CHECK_IDS = """
import django
django.setup()
from django.conf import settings
from django.utils.module_loading import import_string
paths = [p for p in settings.DOCKERFLOW_CHECKS if p.endswith(".check_broker_connected")]
print(len(paths), sorted(m.id for p in paths for m in import_string(p)()))
"""


if EXECUTOR != "django_tasks":  # its broker is the database: the database check covers it

    def test_the_heartbeat_checks_the_broker(stack):
        # The last line: a failing check's client may log before it.
        reachable = stack.run(sys.executable, "-c", BROKER_CHECK_IDS).stdout.splitlines()[-1]
        assert reachable.split() == ["1", "[]"]
        # Nothing listens on port 9 (discard) on 127.0.0.1.
        stack.env["REDIS_URL"], saved = "redis://127.0.0.1:9/0", stack.env.get("REDIS_URL")
        try:
            unreachable = stack.run(sys.executable, "-c", BROKER_CHECK_IDS).stdout.splitlines()[-1]
        finally:
            if saved is None:
                del stack.env["REDIS_URL"]
            else:
                stack.env["REDIS_URL"] = saved
        assert unreachable.split() == ["1", "['dockerflow.E010']"]


def test_effects_a_worker_could_never_run_fail_where_they_are_enqueued():
    from django.utils.module_loading import import_string

    from .conftest import platform_module
    from .worker_effects import record

    airlock = platform_module("airlock")
    executor = import_string(settings.AIRLOCK["EXECUTOR"])
    for task in (lambda: None, Stack.log):  # a lambda; a function that is not module-level
        with (
            pytest.raises(airlock.UsageError, match="cannot be run by a worker"),
            airlock.scope(_cls=airlock.Scope, executor=executor),
        ):
            airlock.enqueue(task)
    if EXECUTOR in {"celery", "dramatiq", "django_tasks"}:  # queues that send JSON
        with (
            pytest.raises(airlock.UsageError, match="not model instances"),
            airlock.scope(_cls=airlock.Scope, executor=executor),
        ):
            airlock.enqueue(record, "not json", when=object())
