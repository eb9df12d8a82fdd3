from django.apps import AppConfig


class HttpHooksConfig(AppConfig):
    """HTTP hooks: validates DJANGO_HTTP_HOOKS_* and connects the hooks' receivers
    (and, after ``migrate``, the cache table the registry token may live in)."""

    name = __package__
    label = "http_hooks"
    verbose_name = "HTTP hooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, conf, signals  # noqa: F401 (checks registers itself)
        from .registry import registry

        conf.validate()
        signals.connect(self)
        if not conf.get("SHUT_DOWN"):
            registry.connect()
