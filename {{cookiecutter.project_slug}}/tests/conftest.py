"""Fixtures shared by the project's tests."""

import contextlib
import importlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The only variables a settings test inherits: nothing that configures the project.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONHASHSEED")


@pytest.fixture(autouse=True)
def _test_client_settings(settings):
    """Let the test client work the same with production or development settings.

    It speaks plain HTTP (so no redirect to HTTPS), and tests do not run
    collectstatic (so static URLs are built without the manifest).
    """
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session", autouse=True)
def _heartbeat_threads_let_go_of_the_test_database(django_db_setup):
    """The heartbeat's check threads keep their connections between probes; the test
    database cannot be dropped (PostgreSQL) while they do."""
    yield
    platform_module("dockerflow", "heartbeat").close_check_connections()


@pytest.fixture(autouse=True)
def _effects_run_inline(request):
    """Airlock effects run in the test process when released (after commit).

    Tests marked ``task_queue`` send them to the real queue instead.
    """
    if request.node.get_closest_marker("task_queue"):
        yield
        return
    with platform_module("airlock", "testing").run_effects_inline():
        yield


def platform_module(label, submodule=None):
    """A platform app's package (or one of its modules), found through its app label.

    Test files are shared by every generated project, so they cannot import the
    project's package by name; Django knows where each app lives.
    """
    package = apps.get_app_config(label).module.__name__
    return importlib.import_module(f"{package}.{submodule}" if submodule else package)


def project_env(env=None):
    """The environment of a process of the project: the INHERITED variables, the local
    .env ignored, and ``env``. Nothing else configures it."""
    base = {key: os.environ[key] for key in INHERITED if key in os.environ}
    base["DJANGO_READ_DOT_ENV_FILE"] = "false"
    base.update(env or {})
    return base


def run_python(code, env=None, timeout=60):
    """Run ``code`` in a fresh interpreter in the project, with only ``env`` configured.

    Settings are read once per process, so tests of what the environment does
    to them need a process of their own. The local .env is ignored there.
    """
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=project_env({"DJANGO_SETTINGS_MODULE": "config.settings", **(env or {})}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage(*args, env=None, check=True, timeout=120):
    """Run ``manage.py args`` in a process of its own, with only ``env`` configured."""
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=PROJECT_DIR,
        env=project_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env, log_path):
    """The project under gunicorn, which gunicorn.conf.py configures from ``env`` (PORT,
    WEB_CONCURRENCY, ...); yields the process, stopped when the block ends."""
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi"],
            cwd=PROJECT_DIR,
            env=project_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield server
        finally:
            server.terminate()
            server.wait(timeout=30)


def load_settings(names, env):
    """Return the named settings as a process started with ``env`` sees them."""
    code = (
        "import django, json\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps({n: getattr(settings, n) for n in "
        + repr(list(names))
        + "}, default=str))\n"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "test-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN",
{%- if cookiecutter.use_logux %}
    "LOGUX_CONTROL_SECRET": "test-only-logux-control-secret",
{%- endif %}
}
