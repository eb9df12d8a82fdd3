"""PendingEffect: the outbox row of a released side effect until its queue has it.

A durable effect is written here when its scope releases it: in the open
transaction when there is one (so it commits, or rolls back, with the data),
else on its own. It is handed to the queue after the commit and the row is
deleted once the queue has accepted it. A row that is still here is an effect
the queue never got (the broker was down, or the process died in between):
the relay (``relay_effects``) sends it again, so delivery is at least once and
``key`` lets the task recognise a repeat.
"""

import uuid

from django.db import models


class PendingEffect(models.Model):
    key = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Idempotency key: the same on every send of this effect (airlock.effect_key()).",
    )
    name = models.CharField(max_length=255, help_text="The task's name, as logs show it.")
    task = models.CharField(
        max_length=512, help_text="Dotted path the relay imports the task from."
    )
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    dispatch_options = models.JSONField(null=True, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)
    next_attempt_at = models.DateTimeField(
        db_index=True, help_text="When the relay may send it (again)."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Sends that failed so far.")
    last_error = models.TextField(blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = "pending side effect"

    def __str__(self):
        return f"{self.name} ({self.key})"
