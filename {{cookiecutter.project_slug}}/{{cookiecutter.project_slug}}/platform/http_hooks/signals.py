"""Receivers that keep every process's hooks current: any change to hooks or signals
publishes a new registry token (see registry.py), and ``migrate`` creates the
token's table when DJANGO_HTTP_HOOKS_CACHE is a database cache."""

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from . import conf
from .registry import registry


def _hooks_changed(sender, **kwargs):
    registry.invalidate_now_and_on_commit()


def _create_cache_table(sender, using, verbosity=1, **kwargs):
    """Without it, a database cache (the setting without REDIS_URL) would need a
    separate ``createcachetable`` run before the first save; creating is idempotent."""
    if isinstance(caches[conf.get("CACHE")], DatabaseCache):
        call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))


def connect(app_config):
    from .models import Hook, Signal

    post_migrate.connect(_create_cache_table, sender=app_config, dispatch_uid="http_hooks:cache")

    for model in (Hook, Signal):
        for signal in (post_save, post_delete):
            uid = f"http_hooks:{model.__name__}"
            signal.connect(_hooks_changed, sender=model, dispatch_uid=uid)
    m2m_changed.connect(_hooks_changed, sender=Hook.signals.through, dispatch_uid="http_hooks:m2m")
