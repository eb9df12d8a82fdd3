"""Gunicorn settings, read from the environment so one image serves every stage.

Run with ``gunicorn config.wsgi`` (gunicorn loads this file from the working
directory). Every value has a production-ready default; the variables are
documented in the README.
"""

import os
from pathlib import Path


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
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 24+ opens a control socket at one fixed path per user; several servers
# on one host (tests, side-by-side deploys) would share it. Opt in when wanted.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "").lower() not in {"1", "true"}
preload_app = os.environ.get("GUNICORN_PRELOAD", "false").lower() in {"1", "true", "yes", "on"}
