"""The contract every integration follows (the same as django-guid's)."""

import importlib

from django.core.exceptions import ImproperlyConfigured

from ..context import generate_guid, set_guid

# Where the id rides for queues whose messages carry nothing but arguments (Huey,
# django-tasks): airlock's executor adds it, the integration removes it before
# the task function is called.
GUID_KWARG = "_correlation_id"


class Integration:
    """Base class of integrations listed in ``DJANGO_GUID['INTEGRATIONS']``.

    ``setup()`` runs once when the configuration is loaded (at startup),
    ``run(guid, **kwargs)`` before the view of every request that has an id, and
    ``cleanup(**kwargs)`` after it. ``run`` and ``cleanup`` must accept
    ``**kwargs``: the middleware passes ``request`` (and ``response`` to
    ``cleanup``), and may pass more in the future. Both are checked at startup.
    """

    identifier = None

    def __init__(self):
        if self.identifier is None:
            raise ImproperlyConfigured("`identifier` cannot be None")

    def setup(self):
        """Validate dependencies and prepare; runs once, at startup."""

    def run(self, guid, **kwargs):
        """Runs before the view, with the request's correlation id."""
        raise ImproperlyConfigured(f"The integration `{self.identifier}` is missing a `run` method")

    def cleanup(self, **kwargs):
        """Runs after the view (also when it raised)."""


def adopt_guid(carried):
    """In a worker: make the id a task carried current, or a fresh one if it carried none."""
    return set_guid(carried if isinstance(carried, str) and carried else generate_guid())


class HookIntegration(Integration):
    """An integration that works through another library's hooks (a task queue's
    signals or middleware), set up once in ``setup()``; nothing happens per request."""

    def require(self, module, package):
        """Import ``module``, or stop startup saying which package to install."""
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as exc:
            raise ImproperlyConfigured(
                f"{self.identifier} needs the {package} package: pip install {package}"
            ) from exc

    def run(self, guid, **kwargs):
        """Nothing per request: the hooks read the current id themselves."""
