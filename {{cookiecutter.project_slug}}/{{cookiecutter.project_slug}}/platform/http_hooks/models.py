"""Hooks (what to send, on which model events), the signals they listen to, and callbacks.

A ``Callback`` is an outbox row: written in the same transaction as the change
that caused it, with the request fully rendered, then delivered (and retried)
by the sender. Field names follow the seed app so its documentation applies.
"""

import base64
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import connections, models
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


def _server_bound(db, cursor):
    """On PostgreSQL with psycopg 3, a cursor on the same connection whose parameters the
    server binds, for the callback INSERT of every hooked save.

    Django's cursors bind on the client (its default): psycopg quotes each of the
    statement's 22 values in Python and the server parses them back out of the SQL
    text. Sent as parameters, the hooked save took about 4% less (1,234 against
    1,286 µs, one hook, 14 interleaved rounds). With ``prepare_threshold`` set in
    the database's OPTIONS (Django leaves it off, for PgBouncer's sake), psycopg
    also prepares the statement, and PostgreSQL stops planning it on every save.
    The wrapper is Django's own, so the statement is logged, counted by tests and
    seen by execute wrappers like any other.
    """
    if db.vendor != "postgresql":
        return cursor
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return cursor
    import psycopg

    raw = psycopg.Cursor(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


class CallbackQuerySet(models.QuerySet):
    def write(self, callbacks, also_return=None):
        """Insert new callbacks with one multi-row ``INSERT ... RETURNING``; set their pks.

        ``also_return``, ``(sql, params)`` of a scalar sub-select, is evaluated in
        the same statement and its value returned (the registry's token check).

        This runs inside the transaction of every hooked save, so it is kept
        lean. Django's bulk_create sends several rows to PostgreSQL as UNNEST
        over arrays, which psycopg's client-side binding quotes element by
        element in Python. Here a value all rows share (the event, the
        timestamps, the empty delivery fields) is sent once, as a named
        parameter: the statement stays within psycopg's cache of parsed
        queries (50 parameters) for up to five hooks per event.
        """
        db = connections[self.db]
        if not callbacks or not db.features.can_return_rows_from_bulk_insert:
            if also_return is not None:
                raise ValueError("also_return needs INSERT ... RETURNING and a callback")
            self.bulk_create(callbacks)
            return None
        meta = self.model._meta
        fields = [field for field in meta.concrete_fields if not field.primary_key]
        params, rows = {}, [[] for _ in callbacks]
        for n, field in enumerate(fields):
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                moment = field.pre_save(callbacks[0], add=True)  # one moment for the event
                for callback in callbacks[1:]:
                    setattr(callback, field.attname, moment)
                values = [moment] * len(callbacks)
            else:
                values = [field.pre_save(callback, add=True) for callback in callbacks]
            if all(value == values[0] for value in values):
                params[f"v{n}"] = field.get_db_prep_save(values[0], db)
                for row in rows:
                    row.append(f"%(v{n})s")
            else:
                for index, (row, value) in enumerate(zip(rows, values, strict=True)):
                    params[f"v{n}_{index}"] = field.get_db_prep_save(value, db)
                    row.append(f"%(v{n}_{index})s")
        quote = db.ops.quote_name
        returning = quote(meta.pk.column)
        if also_return is not None:
            returning += f", {also_return[0]}"
            params.update(also_return[1])
        sql = (
            f"INSERT INTO {quote(meta.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join('(' + ', '.join(row) + ')' for row in rows)} "
            f"RETURNING {returning}"
        )
        with db.cursor() as cursor, _server_bound(db, cursor) as bound:
            bound.execute(sql, params)
            rows = bound.fetchall()
        for callback, row in zip(callbacks, rows, strict=True):
            callback.pk = row[0]
            callback._state.adding = False
            callback._state.db = self.db
        return rows[0][1] if also_return is not None else None


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
    # 122 random bits: unique without a unique index, which would cost every hooked
    # save a random-page B-tree insert (about a quarter of the row's write).
    message_id = models.CharField(max_length=64, default=new_message_id)
    correlation_id = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)  # read with the pk: no index
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    sent_datetime = models.DateTimeField(null=True, blank=True)
    create_datetime = models.DateTimeField(auto_now_add=True)
    update_datetime = models.DateTimeField(auto_now=True)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        ordering = ("-id",)
        # Few indexes on purpose: each one is written by every hooked save. The
        # sender and monitor_callbacks filter on status first (this index), the
        # cleanup walks the primary key, hook deletion uses the hook_id index.
        indexes = (models.Index(fields=["status", "next_attempt_at"], name="http_hooks_due"),)

    def __str__(self):
        return f"{self.http_method} {self.target_url} ({self.status})"
