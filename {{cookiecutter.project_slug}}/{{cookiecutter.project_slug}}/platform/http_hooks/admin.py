"""Admin: hooks (with test-event, enable and disable actions), callbacks (retry now), signals."""

from django.contrib import admin, messages
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from .delivery import schedule_delivery
from .errors import HttpHooksError
from .headers import parse_headers
from .models import Callback, Hook, Signal
from .payloads import PayloadBuilder, sample_payload
from .registry import registry

DETAILS_IN_LIST = 60  # characters of status details in the list; the page has them all


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ("signal", "create_datetime")
    search_fields = ("signal",)


@admin.register(Hook)
class HookAdmin(admin.ModelAdmin):
    list_display = ("__str__", "model", "target_url", "http_method", "enabled", "update_datetime")
    list_filter = ("enabled", "model", "signals", "http_method", "content_type")
    search_fields = ("name", "target_url")
    filter_horizontal = ("signals",)
    readonly_fields = ("disabled_reason", "create_datetime", "update_datetime")
    actions = ("send_test_event", "enable_hooks", "disable_hooks")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # noqa: RUF012
    fieldsets = (
        ("General hook details", {"fields": ("name", "model", "signals", "enabled")}),
        (
            "HTTP request",
            {
                "fields": (
                    "target_url",
                    "http_method",
                    "content_type",
                    "headers",
                    "payload_template",
                    "serializer_class",
                )
            },
        ),
        ("Signing", {"fields": ("secret",)}),
        ("History", {"fields": ("disabled_reason", "create_datetime", "update_datetime")}),
    )

    @admin.action(description="Send a test event to the selected hooks")
    def send_test_event(self, request, queryset):
        created = []
        for hook in queryset.select_related("model"):
            try:
                builder = PayloadBuilder.for_hook(hook)
                model = hook.model.model_class()
                latest = model._default_manager.order_by("-pk").first() if model else None
                payload = sample_payload(hook, builder, latest)
            except HttpHooksError as exc:
                self.message_user(request, f"{hook}: {exc}", messages.ERROR)
                continue
            created.append(
                Callback(
                    hook=hook,
                    target_url=hook.target_url,
                    http_method=hook.http_method,
                    headers=parse_headers(hook.headers),
                    payload=payload,
                    content_type=hook.content_type,
                    event_type="test",
                    object_id="" if latest is None else str(latest.pk),
                )
            )
        with transaction.atomic():
            Callback.objects.write(created)
            if created:
                schedule_delivery([c.pk for c in created])
        if created:
            self.message_user(
                request,
                ngettext(
                    "Queued %d test event: see Callbacks for the answer.",
                    "Queued %d test events: see Callbacks for the answers.",
                    len(created),
                )
                % len(created),
            )

    @admin.action(description="Enable the selected hooks")
    def enable_hooks(self, request, queryset):
        self._set_enabled(request, queryset, True)

    @admin.action(description="Disable the selected hooks")
    def disable_hooks(self, request, queryset):
        self._set_enabled(request, queryset, False)

    def _set_enabled(self, request, queryset, enabled):
        changed = queryset.update(
            enabled=enabled, disabled_reason="", update_datetime=timezone.now()
        )
        registry.invalidate_now_and_on_commit()  # update() sends no signals
        self.message_user(request, f"{changed} hook(s) {'enabled' if enabled else 'disabled'}.")


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "hook_name",
        "event",
        "status",
        "details",
        "next_attempt",
    )
    list_filter = ("status", "hook", "event_type", "create_datetime")
    search_fields = ("target_url", "status_details", "message_id", "correlation_id", "object_id")
    list_select_related = ("hook",)
    date_hierarchy = "create_datetime"
    actions = ("retry_now",)
    fieldsets = (
        (None, {"fields": ("hook", "event_type", "object_id", "status", "status_details")}),
        (
            "Request",
            {"fields": ("http_method", "target_url", "content_type", "headers", "payload")},
        ),
        (
            "Delivery",
            {
                "fields": (
                    "message_id",
                    "correlation_id",
                    "attempts",
                    "next_attempt",
                    "lease_until",
                    "sent_datetime",
                    "last_response_code",
                    "last_duration_ms",
                    "last_response_body",
                    "create_datetime",
                    "update_datetime",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # A callback is a record of what happened: nothing in it is edited by hand.
        return [field.name for field in Callback._meta.fields] + ["next_attempt"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        """A callback's page is read-only (no Save buttons); the list keeps its actions."""
        return obj is None and super().has_change_permission(request)

    # The list must fit a 1280-pixel window beside the admin's sidebar and the
    # filters: short headings (headings never wrap), columns whose text wraps, and
    # the attempt count and response code left to the details and the page.
    @admin.display(description="Event", ordering="event_type")
    def event(self, obj):
        return obj.event_type

    @admin.display(description="Hook", ordering="hook__name")
    def hook_name(self, obj):
        return obj.hook  # as text that wraps (a foreign key column does not)

    @admin.display(description="Details")
    def details(self, obj):
        text = obj.status_details
        return text if len(text) <= DETAILS_IN_LIST else text[: DETAILS_IN_LIST - 1] + "…"

    @admin.display(description="Next attempt", ordering="next_attempt_at")
    def next_attempt(self, obj):
        """Only a waiting callback has one: a sent or failed one is done."""
        if obj.status != Callback.Status.WAITING:
            return None
        return f"{timezone.localtime(obj.next_attempt_at):%Y-%m-%d %H:%M:%S}"

    @admin.action(description="Retry the selected callbacks now")
    def retry_now(self, request, queryset):
        with transaction.atomic():
            ids = list(
                queryset.filter(lease_until__isnull=True, hook__enabled=True)
                .exclude(status=Callback.Status.SENT)
                .values_list("pk", flat=True)
            )
            Callback.objects.filter(pk__in=ids).update(
                status=Callback.Status.WAITING,
                next_attempt_at=timezone.now(),
                status_details="retry requested in the admin",
                update_datetime=timezone.now(),
            )
            if ids:
                schedule_delivery(ids)
        skipped = queryset.count() - len(ids)
        note = f" ({skipped} skipped: sent, being sent, or hook disabled)" if skipped else ""
        self.message_user(request, f"{len(ids)} callback(s) queued for delivery{note}.")
