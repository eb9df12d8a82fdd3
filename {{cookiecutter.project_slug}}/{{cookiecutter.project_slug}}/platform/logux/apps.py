from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class LoguxConfig(AppConfig):
    """Logux back-end: validates LOGUX_* and loads every app's logux_actions/logux_subscriptions."""

    name = __package__
    label = "logux"
    verbose_name = "Logux"

    def ready(self):
        from . import conf

        conf.validate()
        autodiscover_modules("logux_actions", "logux_subscriptions")
