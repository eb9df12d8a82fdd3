import sys
from pathlib import Path

from django.apps import AppConfig
from django.core.signals import request_finished

# Programs (argv[0]) and manage.py commands (argv[1]) that serve requests or run
# tasks for as long as they live.
SERVER_PROGRAMS = frozenset({"gunicorn", "uvicorn", "daphne", "celery", "dramatiq", "huey"})
SERVER_COMMANDS = frozenset(
    {"runserver", "qcluster", "db_worker", "rundramatiq", "run_huey", "worker"}
)


def serves_requests_or_tasks(argv):
    """Whether this process is a server or a worker (from its command line)."""
    if not argv:
        return False
    program = Path(argv[0])
    if SERVER_PROGRAMS & {program.name, program.parent.name}:  # .../dramatiq/__main__.py
        return True
    is_manage = program.name in {"manage.py", "django-admin"}
    return is_manage and len(argv) > 1 and argv[1] in SERVER_COMMANDS


class GuidConfig(AppConfig):
    """Correlation ids: validates DJANGO_GUID and sets up its integrations at startup."""

    # The dotted path comes from the package itself, so the file needs no templating.
    name = __package__
    label = "guid"
    verbose_name = "Correlation IDs"

    def ready(self):
        from .conf import get_config
        from .context import generate_guid, get_guid, set_guid
        from .signals import clear_guid_when_request_finishes

        get_config()  # validate now: a mistake stops startup, not the first request
        request_finished.connect(
            clear_guid_when_request_finishes, dispatch_uid="guid.clear_on_request_finished"
        )
        # A command or script gets an id, so it logs with one id from start to end.
        # Servers and workers do not: each request or task brings its own, and their
        # lines between them (start-up, idle polling, schedules) carry none ("-").
        if get_guid() is None and not serves_requests_or_tasks(sys.argv):
            set_guid(generate_guid())
