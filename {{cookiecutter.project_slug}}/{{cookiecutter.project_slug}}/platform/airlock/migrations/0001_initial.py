import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PendingEffect",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.UUIDField(default=uuid.uuid4, editable=False, help_text="Idempotency key: the same on every send of this effect (airlock.effect_key()).", unique=True)),
                ("name", models.CharField(help_text="The task's name, as logs show it.", max_length=255)),
                ("task", models.CharField(help_text="Dotted path the relay imports the task from.", max_length=512)),
                ("args", models.JSONField(default=list)),
                ("kwargs", models.JSONField(default=dict)),
                ("dispatch_options", models.JSONField(blank=True, null=True)),
                ("correlation_id", models.CharField(blank=True, max_length=64)),
                ("created_at", models.DateTimeField(db_index=True)),
                ("next_attempt_at", models.DateTimeField(db_index=True, help_text="When the relay may send it (again).")),
                ("attempts", models.PositiveIntegerField(default=0, help_text="Sends that failed so far.")),
                ("last_error", models.TextField(blank=True)),
                ("claim_token", models.UUIDField(blank=True, editable=False, null=True)),
            ],
            options={
                "verbose_name": "pending side effect",
                "ordering": ("created_at", "id"),
            },
        ),
    ]
