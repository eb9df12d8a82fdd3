"""Heartbeat checks with known outcomes, for the Dockerflow tests."""

import time

from django.core import checks

from .conftest import platform_module

guid = platform_module("guid")
seen_guids = []


def passing(app_configs=None, **kwargs):
    return []


def warning(app_configs=None, **kwargs):
    return [checks.Warning("disk 85% full on db-7.internal", id="tests.W001")]


def error(app_configs=None, **kwargs):
    return [checks.Error("queue broker at 10.0.0.5 refused", id="tests.E001")]


def critical(app_configs=None, **kwargs):
    return [checks.Critical("storage gone", id="tests.C001")]


def raising(app_configs=None, **kwargs):
    raise ConnectionResetError("backend hung up")


def hanging(app_configs=None, **kwargs):
    time.sleep(3)
    return []


def remembers_guid(app_configs=None, **kwargs):
    seen_guids.append(guid.get_guid())
    return []
