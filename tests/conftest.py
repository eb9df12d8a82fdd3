"""Fixtures of the template's test suite: baked projects and the services they need."""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import bakery

# The bake matrix: the defaults, every option flipped one at a time, and the
# combinations worth checking on their own.
MATRIX = {
    "defaults": {},
    "no-sentry": {"use_sentry": False},
    "no-docker": {"use_docker": False},
    "no-ci": {"ci": "none"},
    "no-example": {"include_example": False},
    "license-bsd": {"open_source_license": "BSD-3-Clause"},
    "license-apache": {"open_source_license": "Apache-2.0"},
    "license-gpl": {"open_source_license": "GPL-3.0-or-later"},
    "proprietary": {"open_source_license": "Not open source"},
    "minimal": {
        "use_sentry": False,
        "use_docker": False,
        "ci": "none",
        "include_example": False,
        "use_http_hooks": False,
        "use_logux": False,
        "open_source_license": "Not open source",
    },
    "no-logux": {"use_logux": False},
    # Each task queue (celery is the default, baked above).
    "queue-sync": {"task_executor": "sync"},
    "queue-django-q": {"task_executor": "django_q"},
    "queue-huey": {"task_executor": "huey"},
    "queue-dramatiq": {"task_executor": "dramatiq"},
    "queue-django-tasks": {"task_executor": "django_tasks"},
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
            cache[name] = Baked(name, MATRIX[name], path, bakery.shared_venv(path))
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
