"""``migrate`` creates the tables of database caches that platform apps count on.

Without REDIS_URL the generated settings keep state every process shares
(a registry token, wrong-secret counts) in database caches, which otherwise
need a separate ``createcachetable`` run before first use.
Creating is idempotent: tables that exist are left alone.
"""

from django.conf import settings
from django.core.management import call_command
from django.db.models.signals import post_migrate


def _create(sender, using, verbosity=1, **kwargs):
    backends = {config.get("BACKEND") for config in settings.CACHES.values()}
    if "django.core.cache.backends.db.DatabaseCache" in backends:
        call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))


def create_cache_tables_after_migrate(app_config):
    """Connect the receiver for ``app_config``'s post_migrate (once per app)."""
    post_migrate.connect(_create, sender=app_config, dispatch_uid=f"cache-tables:{app_config}")
