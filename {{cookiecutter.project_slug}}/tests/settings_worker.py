"""Settings for tests that run the real task worker: the project's, plus test effects.

Each test run gets queues of its own (WORKER_TEST_RUN), so a worker left over
from another run, or a run in parallel on the same Redis, never takes its tasks.
"""

import os

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.worker_effects.WorkerEffectsConfig"]  # noqa: F405
ROOT_URLCONF = "tests.worker_effects"

_queue = f"tests-{os.environ.get('WORKER_TEST_RUN', 'default')}"
if "CELERY_BROKER_URL" in globals():
    CELERY_TASK_DEFAULT_QUEUE = _queue
if "HUEY" in globals():
    HUEY = {**HUEY, "name": _queue}  # noqa: F405
if "DRAMATIQ_BROKER" in globals():
    _options = {**DRAMATIQ_BROKER["OPTIONS"], "namespace": _queue}  # noqa: F405
    DRAMATIQ_BROKER = {**DRAMATIQ_BROKER, "OPTIONS": _options}  # noqa: F405
