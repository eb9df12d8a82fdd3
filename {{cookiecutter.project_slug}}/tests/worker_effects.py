"""Effects, tasks and views for the real-worker tests (tests/test_worker.py).

Effects append a JSON line to the file named by EFFECTS_FILE, with the
correlation id current while they ran, so the test process can see what the
worker did. ``native_record`` becomes a task of the configured queue (its own
decorator) when the app is ready; ``record`` stays a plain function.
"""

import json
import logging
import os

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path

logger = logging.getLogger(__name__)


def _platform(label, submodule):
    import importlib

    return importlib.import_module(f"{apps.get_app_config(label).module.__name__}.{submodule}")


def _write(entry):
    guid = _platform("guid", "context").get_guid()
    key = _platform("airlock", "outbox").effect_key()
    entry = {**entry, "correlation_id": guid, "pid": os.getpid(), "key": key}
    logger.info("effect %s ran", entry["label"])
    with open(os.environ["EFFECTS_FILE"], "a") as effects:
        effects.write(json.dumps(entry) + "\n")


def record(label, **kwargs):
    """A plain function: airlock runs it in the worker through the queue's run_effect."""
    _write({"label": label, "kwargs": kwargs})


def native_record(label, spawn=False, **kwargs):
    """Becomes the queue's own task (see WorkerEffectsConfig.ready)."""
    entry = {"label": label, "kwargs": kwargs}
    if EXECUTOR == "celery":
        celery = _platform("guid", "integrations.celery")
        entry.update(
            parent_id=celery.get_celery_parent_id(), current_id=celery.get_celery_current_id()
        )
        if spawn:
            native_record.delay(f"{label}, child")
    _write(entry)


EXECUTOR = settings.AIRLOCK["EXECUTOR"].rsplit(".", 2)[-2]


def _as_native_task(func):
    if EXECUTOR == "celery":
        from celery import shared_task

        return shared_task(name="tests.native_record")(func)
    if EXECUTOR == "huey":
        from huey.contrib.djhuey import db_task

        return db_task(name="tests.native_record")(func)
    if EXECUTOR == "dramatiq":
        import dramatiq

        return dramatiq.actor(actor_name="tests.native_record")(func)
    if EXECUTOR == "django_tasks":
        from django_tasks import task

        return task()(func)
    return func  # django_q runs plain functions natively


class WorkerEffectsConfig(AppConfig):
    name = "tests"
    label = "worker_effects"

    def ready(self):
        global native_record
        native_record = _as_native_task(native_record)


# --- Views: each enqueues effects, then succeeds or fails -------------------


def _airlock():
    return _platform("airlock", "core")


def effect_then_status(request, status):
    _airlock().enqueue(record, f"status {status}")
    if status in {301, 302}:
        return HttpResponseRedirect("/")
    return HttpResponse(status=status)


def effect_with_label(request, label):
    _airlock().enqueue(record, label)
    return HttpResponse("ok")


def slow_record(label, index):
    """One effect of a burst: takes a moment, so a worker killed mid-burst holds some."""
    import time

    time.sleep(0.2)
    _write({"label": label, "kwargs": {"index": index}})


def burst(request, label, count):
    for index in range(count):
        _airlock().enqueue(slow_record, label, index)
    return HttpResponse("ok")


def effect_then_raise(request):
    _airlock().enqueue(record, "raised")
    raise RuntimeError("the view failed after enqueueing")


def effect_then_rollback(request):
    with transaction.atomic():
        try:
            with transaction.atomic():
                _airlock().enqueue(record, "rolled back")
                raise ValueError("roll back the inner block")
        except ValueError:
            pass
        _airlock().enqueue(record, "after rollback")
    return HttpResponse("ok")


def native_effect(request):
    # Keyword names that collide with queue options must reach the task untouched.
    _airlock().enqueue(
        native_record, "native", group="g", priority="p", delay="d", timeout="t", hook="h"
    )
    return HttpResponse("ok")


def plain_effect_with_option_names(request):
    _airlock().enqueue(record, "plain", group="g", task_name="n", q_options="q", retries="r")
    return HttpResponse("ok")


def direct_delay(request):
    """Celery only: a task sent with .delay(), outside airlock, still carries the id."""
    native_record.delay("delayed", spawn=True)
    return HttpResponse("ok")


urlpatterns = [
    path("effects/status/<int:status>/", effect_then_status),
    path("effects/label/<str:label>/", effect_with_label),
    path("effects/burst/<str:label>/<int:count>/", burst),
    path("effects/raise/", effect_then_raise),
    path("effects/rollback/", effect_then_rollback),
    path("effects/native/", native_effect),
    path("effects/plain-option-names/", plain_effect_with_option_names),
    path("effects/delay/", direct_delay),
]
