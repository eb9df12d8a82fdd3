"""The upstream libraries our platform apps replace, installed and served for ``peers``.

Each peer gets a virtualenv of its own under ``.cache/peers/`` with the same
Django, gunicorn and psycopg releases as the bake's virtualenv (so a ratio
compares the libraries, not two Djangos), and one small Django project, written
into the run's scratch directory, that can run every peer: which apps and
middleware it loads is chosen per server through ``PEER_*`` environment
variables. The project starts from ``django-admin startproject``'s middleware
(the "bare" stack both sides are measured on) and adds ``benchapp``, two
identical models: ``Hooked`` (the hooks watch it) and ``Plain`` (no hook does),
which the bake gets too, so both sides save exactly the same rows.

This module registers no benchmark of its own.
"""

import json
import textwrap
from pathlib import Path

from .common import bakery

PEERS_DIR = bakery.CACHE_DIR / "peers"
# What each upstream needs (pinned as the issue that asked for this comparison did).
PEER_PACKAGES = {
    "platform": ["django-guid==3.6.1", "dockerflow==2026.3.4", "airlock-py==0.1.0a3"],
    # infi's package still imports pkg_resources, gone from setuptools 81.
    "hooks": ["infi.django_http_hooks==0.2.7", "setuptools<81"],
    # logux-django pins an old Django; its own code runs on 5.2 (installed --no-deps).
    "logux": ["requests", "semantic-version"],
}
NO_DEPS = {"logux": ["logux-django==2.0"]}
PEER_LABELS = {
    "platform": "django-guid 3.6.1 + python-dockerflow 2026.3.4 + airlock-py 0.1.0a3",
    "hooks": "infi.django_http_hooks 0.2.7",
    "logux": "logux-django 2.0",
}

# The middleware of a fresh `django-admin startproject` (Django 5.2).
BARE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Our platform's middleware, by the suffix BENCH_DROP_MIDDLEWARE matches.
OUR_PLATFORM_MIDDLEWARE = [
    "guid_middleware",
    "RequestSummaryMiddleware",
    "HealthCheckMiddleware",
    "AirlockMiddleware",
]
# Dropping these from the bake leaves exactly BARE_MIDDLEWARE.
OUR_EXTRA_MIDDLEWARE = ["WhiteNoiseMiddleware"]

FILES = {
    "config/__init__.py": "",
    "config/wsgi.py": """
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        application = get_wsgi_application()
    """,
    "gunicorn.conf.py": """
        import os

        bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
        workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
        keepalive = 5
        accesslog = None
    """,
    "config/settings.py": '''
        """One settings module for every peer: PEER_APPS and PEER_MIDDLEWARE choose."""

        import logging
        import os
        from pathlib import Path
        from urllib.parse import urlsplit

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = "peer-benchmark-" + "0123456789abcdef" * 3
        DEBUG = False
        ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
        ROOT_URLCONF = "config.urls"
        USE_TZ = True
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        INSTALLED_APPS = [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "benchapp",
            *[app for app in os.environ.get("PEER_APPS", "").split(",") if app],
        ]
        MIDDLEWARE = [
            *[m for m in os.environ.get("PEER_MIDDLEWARE_BEFORE", "").split(",") if m],
            *BARE_MIDDLEWARE_PLACEHOLDER,
        ]
        TEMPLATES = [
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ]

        _url = urlsplit(os.environ.get("PEER_DATABASE_URL", ""))
        if _url.scheme.startswith("postgres"):
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "NAME": _url.path.lstrip("/"),
                    "USER": _url.username or "",
                    "PASSWORD": _url.password or "",
                    "HOST": _url.hostname or "",
                    "PORT": str(_url.port or ""),
                    # As the bake: persistent connections, checked before reuse.
                    "CONN_MAX_AGE": 60,
                    "CONN_HEALTH_CHECKS": True,
                }
            }
        else:
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": BASE_DIR / os.environ.get("PEER_SQLITE", "db.sqlite3"),
                }
            }

        # python-dockerflow: the same two checks as our heartbeat's defaults.
        DOCKERFLOW_CHECKS = [
            "dockerflow.django.checks.check_database_connected",
            "dockerflow.django.checks.check_migrations_applied",
        ]
        # logux-django
        LOGUX_CONFIG = {
            "CONTROL_SECRET": os.environ.get("LOGUX_CONTROL_SECRET", "unset"),
            "AUTH_FUNC": lambda user_id, token, cookie, headers: False,
        }

        # One mozlog request.summary line per request to stderr, with the
        # correlation id, as the bake writes (python-dockerflow's formatter).
        LOGGING = {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"correlation_id": {"()": "peer_logging.CorrelationIdFilter"}},
            "formatters": {"json": {"()": "peer_logging.JsonFormatter"}},
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "filters": ["correlation_id"],
                }
            },
            "loggers": {
                "request.summary": {"handlers": ["console"], "level": "INFO", "propagate": False},
            },
            "root": {"handlers": ["console"], "level": "WARNING"},
        }
        logging.captureWarnings(True)
    ''',
    "peer_logging.py": '''
        """Log formatting from the peer libraries when installed, plain text otherwise."""

        import logging

        try:
            from dockerflow.logging import JsonLogFormatter as JsonFormatter
        except ImportError:
            JsonFormatter = logging.Formatter

        try:
            from django_guid.log_filters import CorrelationId as CorrelationIdFilter
        except ImportError:
            class CorrelationIdFilter(logging.Filter):
                pass
    ''',
    "config/urls.py": """
        import importlib

        from django.conf import settings
        from django.http import HttpResponse
        from django.urls import include, path
        from django.views.decorators.csrf import csrf_exempt


        def trivial(request):
            return HttpResponse(b"ok", content_type="text/plain")


        urlpatterns = [path("trivial/", trivial), path("trivial-post/", csrf_exempt(trivial))]
        if "logux" in settings.INSTALLED_APPS:
            importlib.import_module("peer_logux")
            urlpatterns.append(path("logux/", include("logux.urls")))
    """,
    "peer_logux.py": '''
        """The benchmark's Logux actions for logux-django: one that writes nothing."""

        from logux.core import ActionCommand
        from logux.dispatchers import logux


        class Ping(ActionCommand):
            action_type = "bench/ping"

            def access(self, action, meta):
                return True

            def process(self, action, meta):
                pass


        class Empty(Ping):
            action_type = "bench/empty"
            process = ActionCommand.process


        for command in (Ping, Empty):
            if not logux.actions.has_action(command.action_type):
                logux.actions.register(command)
    ''',
}

# The models both sides save, and their migration (written out, so neither
# side needs makemigrations).
BENCHAPP = {
    "benchapp/__init__.py": "",
    "benchapp/models.py": """
        from django.db import models


        class Hooked(models.Model):
            reference = models.CharField(max_length=64)
            email = models.EmailField()


        class Plain(models.Model):
            reference = models.CharField(max_length=64)
            email = models.EmailField()
    """,
    "benchapp/migrations/__init__.py": "",
    "benchapp/migrations/0001_initial.py": """
        from django.db import migrations, models


        def _fields():
            return [
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("reference", models.CharField(max_length=64)),
                ("email", models.EmailField(max_length=254)),
            ]


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(name="Hooked", fields=_fields()),
                migrations.CreateModel(name="Plain", fields=_fields()),
            ]
    """,
}


def _write(root, files):
    for relative, text in files.items():
        path = Path(root) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(text).lstrip("\n")
        path.write_text(text.replace("BARE_MIDDLEWARE_PLACEHOLDER", json.dumps(BARE_MIDDLEWARE)))


def add_benchapp(project):
    """Give a bake the same two models the peer project saves."""
    _write(project, BENCHAPP)


def write_peer_project(root):
    """The peer project in ``root`` (a fresh directory); returns its path."""
    _write(root, {**FILES, **BENCHAPP})
    return Path(root)


def pinned_versions(venv):
    """Django, gunicorn and psycopg as the bake's virtualenv has them (``name==x.y.z``)."""
    code = (
        "import importlib.metadata as m, json;"
        "print(json.dumps([f'{n}=={m.version(n)}' for n in "
        "('Django', 'gunicorn', 'psycopg', 'psycopg-binary')]))"
    )
    result = bakery.run([venv.python, "-c", code], cwd=venv.path)
    return json.loads(result.stdout)


def peer_venv(name, pins):
    """The virtualenv of one peer (created or completed on first use, then reused)."""
    venv = bakery.Virtualenv(PEERS_DIR / name).ensure([*pins, *PEER_PACKAGES[name]])
    if name in NO_DEPS:
        venv.ensure(["--no-deps", *NO_DEPS[name]])
    return venv


def peer_env(apps=(), middleware_before=(), database_url="", sqlite=""):
    """Environment for a peer server or script: which apps, which middleware, which database."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PEER_APPS": ",".join(apps),
        "PEER_MIDDLEWARE_BEFORE": ",".join(middleware_before),
        "PEER_DATABASE_URL": database_url,
        "PEER_SQLITE": sqlite,
    }


# The three peer configurations the benchmark serves.
PLATFORM_APPS = ["django_guid", "dockerflow.django", "airlock.integrations.django"]
PLATFORM_MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "dockerflow.django.middleware.DockerflowMiddleware",
    "airlock.integrations.django.AirlockMiddleware",
]
HOOKS_APPS = ["infi.django_http_hooks.hooks"]
LOGUX_APPS = ["logux"]
