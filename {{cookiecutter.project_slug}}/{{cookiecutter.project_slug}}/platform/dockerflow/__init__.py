"""Dockerflow: /__version__, /__heartbeat__, /__lbheartbeat__, health checks and mozlog logs.

Public API::

    heartbeat_passed, heartbeat_failed      # signals, sent with level=
    check_database_connected, check_migrations_applied, check_cache_connected
    run_checks()                            # what /__heartbeat__ runs
    get_version(base_dir)                   # the default DOCKERFLOW_VERSION_CALLBACK
    MozlogFormatter                         # logging formatter
    HealthCheckMiddleware, RequestSummaryMiddleware
"""

from .checks import check_cache_connected, check_database_connected, check_migrations_applied
from .formatters import MozlogFormatter
from .heartbeat import run_checks
from .middleware import HealthCheckMiddleware, RequestSummaryMiddleware
from .signals import heartbeat_failed, heartbeat_passed
from .version import MalformedVersion, get_version

__all__ = [
    "HealthCheckMiddleware",
    "MalformedVersion",
    "MozlogFormatter",
    "RequestSummaryMiddleware",
    "check_cache_connected",
    "check_database_connected",
    "check_migrations_applied",
    "get_version",
    "heartbeat_failed",
    "heartbeat_passed",
    "run_checks",
]
