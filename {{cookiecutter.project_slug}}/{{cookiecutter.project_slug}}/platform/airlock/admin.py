"""Admin: the outbox's pending side effects (read-only), with a "send now" action."""

from django.contrib import admin, messages
from django.utils import timezone

from .models import PendingEffect
from .outbox import relay


@admin.register(PendingEffect)
class PendingEffectAdmin(admin.ModelAdmin):
    """What the queue has not taken yet: a backlog here means the broker refused it."""

    list_display = ("name", "created_at", "attempts", "next_attempt_at", "short_error")
    list_filter = ("name",)
    search_fields = ("name", "key", "correlation_id")
    date_hierarchy = "created_at"
    actions = ("send_now",)
    readonly_fields = tuple(f.name for f in PendingEffect._meta.fields)

    @admin.display(description="last error")
    def short_error(self, effect):
        return effect.last_error[:80]

    def has_add_permission(self, request):
        return False  # rows come from released effects only

    def has_change_permission(self, request, obj=None):
        return False  # what was released is sent as it was

    @admin.action(description="Send the selected effects now")
    def send_now(self, request, queryset):
        queryset.update(next_attempt_at=timezone.now())
        summary = relay(max_batches=10)
        level = messages.WARNING if summary.failed else messages.SUCCESS
        self.message_user(request, f"Outbox relay: {summary}.", level)
