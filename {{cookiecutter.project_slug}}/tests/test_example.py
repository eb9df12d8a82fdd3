"""The example app: its model and its admin."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

Order = apps.get_model("example", "Order")

pytestmark = pytest.mark.django_db


def test_orders_are_listed_newest_first():
    Order.objects.create(reference="A-1", customer_email="a@example.com")
    Order.objects.create(reference="A-2", customer_email="b@example.com", total=Decimal("9.50"))
    assert [str(order) for order in Order.objects.all()] == ["A-2", "A-1"]
    assert Order.objects.get(reference="A-1").status == Order.Status.NEW


def test_admin_lists_searches_and_adds_orders(admin_client):
    Order.objects.create(reference="B-7", customer_email="b7@example.com")
    changelist = reverse("admin:example_order_changelist")
    assert b"B-7" in admin_client.get(changelist, {"q": "b7@"}).content
    response = admin_client.post(
        reverse("admin:example_order_add"),
        {
            "reference": "B-8",
            "customer_email": "b8@example.com",
            "status": "paid",
            "total": "12.00",
        },
    )
    assert response.status_code == 302
    assert Order.objects.get(reference="B-8").status == Order.Status.PAID
