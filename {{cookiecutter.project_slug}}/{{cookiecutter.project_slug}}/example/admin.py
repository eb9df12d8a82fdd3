from django.contrib import admin

from .models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("reference", "customer_email", "status", "total", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("reference", "customer_email")
    readonly_fields = ("created_at", "updated_at")
