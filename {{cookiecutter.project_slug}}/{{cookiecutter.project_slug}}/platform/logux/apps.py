from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class LoguxConfig(AppConfig):
    """Logux back-end: validates LOGUX_* and loads every app's logux_actions/logux_subscriptions."""

    name = __package__
    label = "logux"
    verbose_name = "Logux"
    # Listed on the page at / (the project's config/views.py).
    home_links = (("logux:dispatch", "Logux back-end", "where the Logux server posts commands"),)

    def ready(self):
        from ..cache_tables import create_cache_tables_after_migrate
        from . import checks, conf  # noqa: F401 (checks registers itself)

        conf.validate()
        create_cache_tables_after_migrate(self)  # LOGUX_CACHE may be a database cache
        autodiscover_modules("logux_actions", "logux_subscriptions")
