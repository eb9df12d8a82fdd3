"""Settings with an integration that lacks ``run``: django.setup() must refuse them."""

import importlib

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

_guid_app = next(app for app in INSTALLED_APPS if app.endswith(".platform.guid"))
Integration = importlib.import_module(f"{_guid_app}.integrations").Integration


class NoRun(Integration):
    identifier = "NoRun"


DJANGO_GUID = {"INTEGRATIONS": [NoRun()]}
