"""Built-in health checks for the heartbeat, in Django's system check format.

Each is a function ``(app_configs=None, **kwargs)`` returning a list of
``django.core.checks`` messages, so it works both in the heartbeat and under
``manage.py check --database default`` (they are registered with the
``database`` tag, which plain ``manage.py check`` skips: a Docker build with no
database still passes ``check --deploy``). Messages may contain hostnames and
driver errors; the heartbeat only shows them to authorised callers.
"""

import sys

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from . import conf


def _aliases(kwargs):
    return kwargs.get("databases") or [DEFAULT_DB_ALIAS]


def check_database_connected(app_configs=None, **kwargs):
    """E001: cannot connect; E002: connected but unusable; E003: misconfigured."""
    messages = []
    for alias in _aliases(kwargs):
        try:
            connection = connections[alias]
            connection.ensure_connection()
        except ImproperlyConfigured as exc:
            messages.append(
                checks.Error(f"Database {alias!r} is misconfigured: {exc}", id="dockerflow.E003")
            )
        except DatabaseError as exc:
            messages.append(
                checks.Error(
                    f"Could not connect to database {alias!r}: {exc}", id="dockerflow.E001"
                )
            )
        else:
            if not connection.is_usable():
                messages.append(
                    checks.Error(
                        f"Database connection {alias!r} is not usable", id="dockerflow.E002"
                    )
                )
    return messages


# (alias, database name) this process has seen with every migration applied.
# Its code, hence its migrations, cannot change, and applied ones stay applied:
# the heartbeat stops rebuilding the migration graph (1.5 ms a probe) for them.
_fully_migrated = set()


def check_migrations_applied(app_configs=None, **kwargs):
    """W001 per unapplied migration (E004 in the heartbeat with
    DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT); I001 when the state cannot be read.
    Given ``app_configs`` (``manage.py check <app>``), only those apps' migrations.

    Under Django's check framework (``system_check=True``) it only ever warns,
    once for all of them (the heartbeat names each): ``migrate`` runs the checks
    before migrating and must not refuse to apply the very migrations it
    reports, and ``manage.py migrate`` itself is not told what it is about to do.
    """
    system_check = kwargs.get("system_check")
    if system_check and sys.argv[1:2] == ["migrate"]:
        return []
    fail = conf.get("DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT") and not system_check
    level, code = (checks.Error, "dockerflow.E004") if fail else (checks.Warning, "dockerflow.W001")
    messages = []
    for alias in _aliases(kwargs):
        known = (alias, connections[alias].settings_dict.get("NAME"))
        if app_configs is None and known in _fully_migrated:
            continue
        try:
            executor = MigrationExecutor(connections[alias])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except (ImproperlyConfigured, DatabaseError) as exc:
            messages.append(
                checks.Info(
                    f"Could not read the migration state of {alias!r}: {exc}", id="dockerflow.I001"
                )
            )
            continue
        if not plan and app_configs is None:
            _fully_migrated.add(known)
        labels = None if app_configs is None else {config.label for config in app_configs}
        names = [
            f"{migration.app_label}.{migration.name}"
            for migration, _backwards in plan
            if labels is None or migration.app_label in labels
        ]
        if system_check and len(names) > 1:
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            messages.append(
                level(
                    f"{len(names)} unapplied migrations ({shown})",
                    hint="manage.py migrate applies them",
                    id=code,
                )
            )
        else:
            messages.extend(level(f"Unapplied migration {name}", id=code) for name in names)
    return messages


def check_cache_connected(app_configs=None, **kwargs):
    """E005: a cache (e.g. Redis) cannot store and return a value."""
    from django.conf import settings
    from django.core.cache import caches

    messages = []
    for alias in settings.CACHES:
        key = "dockerflow:heartbeat"
        try:
            cache = caches[alias]
            cache.set(key, "ok", timeout=30)
            if cache.get(key) != "ok":
                raise RuntimeError("a value written was not read back")
        except Exception as exc:
            messages.append(
                checks.Error(f"Cache {alias!r} is not working: {exc}", id="dockerflow.E005")
            )
    return messages
