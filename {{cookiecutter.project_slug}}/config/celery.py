"""The Celery app: `celery -A config worker` (what `make worker` runs).

Configuration comes from Django settings (the ``CELERY_`` names); tasks are
found in each installed app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def create_local_folders(sender, **kwargs):
    """The development broker (filesystem://) and beat's schedule file need their folders."""
    options = sender.conf.broker_transport_options or {}
    keys = ("data_folder_in", "data_folder_out", "processed_folder")
    folders = [options.get(key) for key in keys]
    folders.append(os.path.dirname(sender.conf.beat_schedule_filename or ""))
    for folder in filter(None, folders):
        os.makedirs(folder, exist_ok=True)
