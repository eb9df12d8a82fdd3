import functools

from django.apps import AppConfig
from django.core import checks


def _only_with_databases(function):
    """Run a heartbeat check under `manage.py check` only when --database is given.

    Django calls every registered check; its own database checks return nothing
    unless ``databases`` is passed, so a plain `manage.py check` (or `check
    --deploy` in a Docker build with no database) never connects. Ours do alike.
    """

    @functools.wraps(function)
    def check(app_configs=None, databases=None, **kwargs):
        if not databases:
            return []
        return function(app_configs, databases=databases, system_check=True, **kwargs)

    return check


class DockerflowConfig(AppConfig):
    """Dockerflow: validates DOCKERFLOW_* and registers the health checks at startup."""

    # The dotted path comes from the package itself, so the file needs no templating.
    name = __package__
    label = "dockerflow"
    verbose_name = "Dockerflow"

    def ready(self):
        from . import conf

        conf.validate()
        for _name, function in conf.checks():
            checks.register(_only_with_databases(function), checks.Tags.database)
