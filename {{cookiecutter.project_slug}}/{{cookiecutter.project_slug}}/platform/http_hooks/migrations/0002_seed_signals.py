"""Seed the model signals hooks most often listen to (the seed app's list, plus m2m_changed)."""

from django.db import migrations

SIGNALS = [
    f"django.db.models.signals.{name}"
    for name in (
        "post_save",
        "pre_save",
        "post_delete",
        "pre_delete",
        "m2m_changed",
        "pre_init",
        "post_init",
    )
]


def seed(apps, schema_editor):
    Signal = apps.get_model("http_hooks", "Signal")
    for path in SIGNALS:
        Signal.objects.get_or_create(signal=path)


def unseed(apps, schema_editor):
    Signal = apps.get_model("http_hooks", "Signal")
    Signal.objects.filter(signal__in=SIGNALS, hooks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("http_hooks", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
