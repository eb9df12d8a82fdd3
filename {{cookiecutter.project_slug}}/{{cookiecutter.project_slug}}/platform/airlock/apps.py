from django.apps import AppConfig


class AirlockConfig(AppConfig):
    """Airlock: validates AIRLOCK and makes its scope, policy and executor the defaults."""

    # The dotted path comes from the package itself, so the file needs no templating.
    name = __package__
    label = "airlock"
    verbose_name = "Airlock side effects"

    def ready(self):
        from . import conf
        from .core import configure

        conf.validate()
        configure(
            scope_cls=conf.get_scope_class(),
            executor=conf.get_executor(),
            scope_kwargs=conf.get_scope_kwargs(),
        )
