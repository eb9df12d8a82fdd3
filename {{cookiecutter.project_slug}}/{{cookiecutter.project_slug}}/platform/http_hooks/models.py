"""Hooks (what to send, on which model events), the signals they listen to, and callbacks.

A ``Callback`` is an outbox row: written in the same transaction as the change
that caused it, with the request fully rendered, then delivered (and retried)
by the sender. Field names follow the seed app so its documentation applies.
"""

import base64
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .errors import InvalidHookError


def new_secret():
    """A Standard Webhooks signing secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id():
    """The ``webhook-id`` of one event: the same on every retry, so receivers can dedupe."""
    return f"msg_{uuid.uuid4().hex}"


class Signal(models.Model):
    """A Django signal hooks can listen to, by its dotted path."""

    signal = models.CharField(
        max_length=256,
        unique=True,
        help_text="Dotted path of a Django signal, e.g. django.db.models.signals.post_save.",
    )
    create_datetime = models.DateTimeField(auto_now_add=True)
    update_time = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("signal",)

    def __str__(self):
        return self.signal

    def save(self, *args, **kwargs):
        from .payloads import import_signal

        import_signal(self.signal)  # InvalidSignalError: nothing is saved
        super().save(*args, **kwargs)

    def clean(self):
        from .payloads import import_signal

        try:
            import_signal(self.signal)
        except InvalidHookError as exc:
            raise ValidationError({"signal": exc.messages}) from None


class Hook(models.Model):
    """Send an HTTP request whenever one of ``signals`` fires for an instance of ``model``."""

    class Method(models.TextChoices):
        POST = "POST"
        PUT = "PUT"
        PATCH = "PATCH"
        GET = "GET"
        DELETE = "DELETE"

    class Format(models.TextChoices):
        JSON = "application/json"
        XML = "application/xml"
        TEXT_XML = "text/xml"
        TEXT = "text/plain"
        JAVASCRIPT = "application/javascript"
        HTML = "text/html"

    name = models.CharField(max_length=512, blank=True)
    model = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        # Hooks on the hooks' own tables would feed themselves.
        limit_choices_to=~models.Q(app_label="http_hooks"),
        help_text="The model whose events trigger the hook.",
    )
    signals = models.ManyToManyField(Signal, related_name="hooks")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(
        max_length=512, blank=True, help_text="Why delivery turned the hook off (e.g. 410 Gone)."
    )
    target_url = models.URLField(max_length=512)
    http_method = models.CharField(max_length=64, choices=Method, default=Method.POST)
    headers = models.TextField(
        blank=True, help_text="Extra request headers, one 'Name: value' per line."
    )
    content_type = models.CharField(max_length=128, choices=Format, default=Format.JSON)
    payload_template = models.TextField(
        blank=True,
        help_text="Django template of the body: {{ instance.field }}, {{ event_type }}. "
        "Values are escaped for the content type (JSON strings, XML text).",
    )
    serializer_class = models.CharField(
        max_length=256,
        blank=True,
        help_text="Dotted path of a class with to_representation(instance) (a DRF "
        "serializer works). Used when there is no payload template.",
    )
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        help_text="Signing secret (whsec_...): receivers verify webhook-signature with it.",
    )
    create_datetime = models.DateTimeField(auto_now_add=True)
    update_datetime = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self):
        return self.name or f"Hook {self.pk}"

    def save(self, *args, **kwargs):
        self.validate_configuration()
        super().save(*args, **kwargs)

    def validate_configuration(self):
        """Raise InvalidHeadersError, InvalidTargetError or InvalidPayloadError: it cannot work."""
        from .headers import parse_headers
        from .payloads import PayloadBuilder
        from .targets import check_target_url

        parse_headers(self.headers)
        check_target_url(self.target_url)
        PayloadBuilder.for_hook(self).check()

    def clean(self):
        try:
            self.validate_configuration()
        except InvalidHookError as exc:
            raise ValidationError({exc.field: exc.messages}) from None


class Callback(models.Model):
    """One event's request to one hook's target, and how its delivery went."""

    class Status(models.TextChoices):
        WAITING = "waiting"
        SENT = "sent"
        ERROR = "error"

    # No database constraint: a callback written while another process deletes
    # its hook must not fail the business transaction around it (the sender
    # marks such callbacks as errors). Deleting a hook deletes its callbacks.
    hook = models.ForeignKey(
        Hook, on_delete=models.CASCADE, null=True, db_constraint=False, related_name="callbacks"
    )
    target_url = models.URLField(max_length=512)
    http_method = models.CharField(max_length=64)
    headers = models.JSONField(default=dict, blank=True)
    payload = models.TextField(blank=True)
    content_type = models.CharField(max_length=128)
    status = models.CharField(max_length=64, choices=Status, default=Status.WAITING)
    status_details = models.CharField(max_length=512, blank=True)
    event_type = models.CharField(max_length=128, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    message_id = models.CharField(max_length=64, unique=True, default=new_message_id)
    correlation_id = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    sent_datetime = models.DateTimeField(null=True, blank=True)
    create_datetime = models.DateTimeField(auto_now_add=True, db_index=True)
    update_datetime = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-id",)
        indexes = (
            models.Index(fields=["status", "next_attempt_at"], name="http_hooks_due"),
            models.Index(fields=["status", "update_datetime"], name="http_hooks_monitor"),
        )

    def __str__(self):
        return f"{self.http_method} {self.target_url} ({self.status})"
