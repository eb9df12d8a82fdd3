from django.apps import AppConfig


class AirlockConfig(AppConfig):
    """Airlock: validates AIRLOCK and makes its scope, policy and executor the defaults;
    its outbox (models.PendingEffect) keeps released effects until their queue has them."""

    # The dotted path comes from the package itself, so the file needs no templating.
    name = __package__
    label = "airlock"
    verbose_name = "Airlock side effects"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        from . import checks, conf  # noqa: F401 (checks registers itself)
        from .schedules import ensure_relay_schedule

        conf.validate()
        configure_from_settings()
        setting_changed.connect(_reconfigure, dispatch_uid="airlock.reconfigure")
        post_migrate.connect(ensure_relay_schedule, sender=self, dispatch_uid="airlock:relay")


def configure_from_settings():
    from . import conf
    from .core import configure

    configure(
        scope_cls=conf.get_scope_class(),
        executor=conf.get_executor(),
        scope_kwargs=conf.get_scope_kwargs(),
    )


def _reconfigure(setting=None, **kwargs):
    """override_settings(AIRLOCK=...) takes effect at once, as in production at startup.

    A value that does not validate leaves the previous configuration in place:
    the test overriding it is checking that very error, through conf.validate().
    """
    import contextlib

    from django.core.exceptions import ImproperlyConfigured

    if setting == "AIRLOCK":
        from . import conf

        conf.clear_cache()
        with contextlib.suppress(ImproperlyConfigured):
            configure_from_settings()
