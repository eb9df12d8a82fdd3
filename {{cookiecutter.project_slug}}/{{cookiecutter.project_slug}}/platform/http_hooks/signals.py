"""Receivers that keep every process's hooks current: any change to hooks or signals
publishes a new registry token (see registry.py); ``migrate`` creates the
token's table when DJANGO_HTTP_HOOKS_CACHE is a database cache, and with
django-q2 the schedule that sends due retries (schedules.py)."""

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from ..cache_tables import create_cache_tables_after_migrate
from .registry import registry
from .schedules import ensure_callbacks_schedule


def _hooks_changed(sender, **kwargs):
    registry.invalidate_now_and_on_commit()


def connect(app_config):
    from .models import Hook, Signal

    create_cache_tables_after_migrate(app_config)
    post_migrate.connect(
        ensure_callbacks_schedule, sender=app_config, dispatch_uid="http_hooks:schedule"
    )

    for model in (Hook, Signal):
        for signal in (post_save, post_delete):
            uid = f"http_hooks:{model.__name__}"
            signal.connect(_hooks_changed, sender=model, dispatch_uid=uid)
    m2m_changed.connect(_hooks_changed, sender=Hook.signals.through, dispatch_uid="http_hooks:m2m")
