"""Gunicorn settings, read from the environment so one image serves every stage.

Run with ``gunicorn config.wsgi`` (gunicorn loads this file from the working
directory). Every value has a production-ready default; the variables are
documented in the README. Like the Django settings, a local ``.env`` is read
when present (unless DJANGO_READ_DOT_ENV_FILE is off) and real environment
variables win over it.
"""

import os
import sys
from pathlib import Path

import environ
from gunicorn.glogging import Logger

# The project's packages, for the log formatter, whatever directory gunicorn starts in.
PROJECT_DIR = Path(__file__).resolve().parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from {{ cookiecutter.project_slug }}.platform.dockerflow.formatters import (  # noqa: E402
    MozlogFormatter,
)

FALSE_WORDS = {"0", "false", "no", "off", "n"}
TRUE_WORDS = {"1", "true", "yes", "on", "y"}

_dotenv = PROJECT_DIR / ".env"
_read_dotenv = os.environ.get("DJANGO_READ_DOT_ENV_FILE", "true").lower() not in FALSE_WORDS
if _read_dotenv and _dotenv.is_file():
    environ.Env.read_env(_dotenv)


def _bool(name, default):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in TRUE_WORDS | FALSE_WORDS:
        raise SystemExit(f"gunicorn.conf.py: {name} must be true or false, got {value!r}")
    return value in TRUE_WORDS


def _int(name, default):
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name} must be an integer, got {value!r}") from None


# Listen on loopback unless told otherwise: the Docker image sets HOST=0.0.0.0.
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"]
workers = _int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never takes the service down;
# the jitter keeps them from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The heartbeat file lives in memory: on a container's overlay filesystem a slow
# disk write can make the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None
# Trust X-Forwarded-* only from the proxy in front of us (comma-separated IPs).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# One line per request: the application's request.summary (mozlog JSON in
# production, text in development, with the correlation id), so gunicorn's own
# access line is off unless GUNICORN_ACCESS_LOG names a file or "-" (stdout).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# The common log format plus duration and the correlation id the app returned
# (the Correlation-ID response header set by the platform's guid middleware).
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms '
    "correlation_id=%({correlation-id}o)s"
)
errorlog = "-"


class MozlogLogger(Logger):
    """gunicorn's own lines (start-up, workers, errors, and access lines when on) as
    mozlog JSON, like every other line the service writes in production."""

    def setup(self, cfg):
        super().setup(cfg)
        formatter = MozlogFormatter(logger_name="{{ cookiecutter.project_slug }}")
        for handler in (*self.error_log.handlers, *self.access_log.handlers):
            handler.setFormatter(formatter)


# The format of the Django settings: DJANGO_LOG_FORMAT, else JSON unless debug is on.
_log_format = os.environ.get("DJANGO_LOG_FORMAT", "").strip().lower() or (
    "text" if _bool("DJANGO_DEBUG", False) else "json"
)
if _log_format not in {"text", "json"}:
    raise SystemExit(
        f"gunicorn.conf.py: DJANGO_LOG_FORMAT must be text or json, got {_log_format!r}"
    )
if _log_format == "json":
    logger_class = MozlogLogger
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Recent gunicorn releases open a control socket at one fixed path per user, which
# several servers on one host (tests, side-by-side deploys) would share: opt in.
control_socket_disable = not _bool("GUNICORN_CONTROL_SOCKET", False)
preload_app = _bool("GUNICORN_PRELOAD", False)


def post_worker_init(worker):
    """Once the worker has loaded Django, move everything loaded so far out of the
    garbage collector's sight (``gc.freeze()``): those objects live as long as the
    worker, and without this every full collection walks all of them again, which
    took about 5% of a small request's time."""
    import gc

    gc.freeze()
