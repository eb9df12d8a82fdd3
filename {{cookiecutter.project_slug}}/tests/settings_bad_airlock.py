"""Settings with a misspelt AIRLOCK key: django.setup() must refuse them."""

from config.settings import *  # noqa: F403

AIRLOCK = {"EXECUTR": "typo"}
