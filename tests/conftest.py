"""Fixtures of the template's test suite: baked projects and the services they need."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import bakery, containers

# Bakes whose generated test suite runs: the defaults and each task queue (the
# whole suite: one per dependency set), and the variants whose options change
# code paths (only the tests of the capabilities their options touch, chosen
# by markers: options.markers_for). Every combination of the prompts is baked
# and statically checked by test_matrix.py.
MATRIX = {
    "defaults": {},
    "queue-sync": {"task_executor": "sync"},
    "queue-django-q": {"task_executor": "django_q"},
    "queue-huey": {"task_executor": "huey"},
    "queue-dramatiq": {"task_executor": "dramatiq"},
    "queue-django-tasks": {"task_executor": "django_tasks"},
    "no-sentry": {"use_sentry": False},
    "no-example": {"include_example": False},
    "no-http-hooks": {"use_http_hooks": False},
    "no-logux": {"use_logux": False},
    "minimal": {
        "use_sentry": False,
        "use_docker": False,
        "ci": "none",
        "include_example": False,
        "use_http_hooks": False,
        "use_logux": False,
        "open_source_license": "Not open source",
    },
    "custom-answers": {
        "project_name": "Order Desk",
        "project_slug": "order_desk",
        "description": 'Quotes "like these", a backslash \\ and <angle> brackets survive',
        "author_name": "Zoë O'Brien",
        "email": "zoe@orders.example.org",
        "domain_name": "orders.example.org",
        "version": "2.0.0rc1",
        "timezone": "Europe/Paris",
    },
}

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass
class Baked:
    name: str
    answers: dict
    path: Path
    venv: bakery.Virtualenv

    def run(self, *args, env=None, timeout=600):
        return bakery.run(args, cwd=self.path, env=env, timeout=timeout)

    def manage(self, *args, env=None):
        return self.run(self.venv.python, "manage.py", *args, env=env)


@pytest.fixture(scope="session")
def baked(tmp_path_factory):
    """Return a function that bakes (once per session and xdist worker) a matrix entry."""
    cache = {}

    def get(name):
        if name not in cache:
            path = bakery.bake(tmp_path_factory.mktemp(name), **MATRIX[name])
            cache[name] = Baked(name, MATRIX[name], path, bakery.prepared_venv(path))
        return cache[name]

    return get


def require_service(name, error):
    """A test needing an absent service fails in CI and is skipped, saying why, elsewhere."""
    message = f"{name} is not reachable ({error}); .ci/run installs and starts it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def postgres_database():
    """A fresh, empty PostgreSQL database on 127.0.0.1; yields its URL, drops it afterwards."""
    import psycopg

    try:
        with bakery.temporary_postgres_database() as url:
            yield url
    except psycopg.OperationalError as exc:
        require_service(f"PostgreSQL at {bakery.POSTGRES_URL}", exc)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "fast: part of `make test-fast` (hooks, the default bake's checks and suite, docs)",
    )


PHASES = {}
STARTED = []
# Figures a test records with record_property (image sizes, build times), by name.
FIGURES = {}


def pytest_sessionstart(session):
    STARTED.append(time.monotonic())


def pytest_runtest_logreport(report):
    """Add each test's time (set-up, call, tear-down) to its module's phase."""
    phase = report.nodeid.split("::", 1)[0].removeprefix("tests/").removesuffix(".py")
    PHASES[phase] = PHASES.get(phase, 0.0) + report.duration
    for name, value in report.user_properties if report.when == "call" else ():
        FIGURES.setdefault(name, []).append(str(value))


def pytest_terminal_summary(terminalreporter):
    """After the slowest tests (--durations), each phase's time: regressions show at a glance."""
    for name, values in sorted(FIGURES.items()):
        terminalreporter.section(f"measured: {name}")
        for value in sorted(values):
            terminalreporter.write_line(value)
    if not PHASES:
        return
    terminalreporter.section("time per phase (test module, summed over workers)")
    for phase, seconds in sorted(PHASES.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:8.1f} s  {phase}")
    if STARTED:
        wall = time.monotonic() - STARTED[0]
        terminalreporter.write_line(f"{wall:8.1f} s  wall clock, whole run")


@pytest.fixture(scope="session")
def base_image():
    """podman is there and the python:3.11-slim stand-in exists (made once per machine)."""
    if problem := containers.podman_missing():
        require_service("podman", f"{problem} not installed")
    containers.ensure_base_image()
