"""Settings for tests that run the real task worker: the project's, plus test effects."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.worker_effects.WorkerEffectsConfig"]  # noqa: F405
ROOT_URLCONF = "tests.worker_effects"
