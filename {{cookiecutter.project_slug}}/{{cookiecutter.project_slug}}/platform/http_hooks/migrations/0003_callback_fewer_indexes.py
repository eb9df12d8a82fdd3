# Fewer indexes on Callback: every hooked save writes one row per hook, and
# each index is one more B-tree insert inside the caller's transaction.

from django.db import migrations, models

from .. import models as hooks_models


class Migration(migrations.Migration):
    dependencies = [
        ("http_hooks", "0002_seed_signals"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="callback",
            name="http_hooks_monitor",
        ),
        migrations.AlterField(
            model_name="callback",
            name="claim_token",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="callback",
            name="create_datetime",
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AlterField(
            model_name="callback",
            name="message_id",
            field=models.CharField(default=hooks_models.new_message_id, max_length=64),
        ),
    ]
