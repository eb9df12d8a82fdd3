"""The example app: its model and its admin."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

Order = apps.get_model("example", "Order")

pytestmark = [pytest.mark.example, pytest.mark.django_db]


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


def test_creating_an_order_mails_a_confirmation_after_commit(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("example:create-order")
    data = {"reference": "C-1", "customer_email": "c1@example.com", "total": "5.00"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
        assert mailoutbox == []  # enqueued only: nothing leaves before the commit
    assert response.status_code == 201
    assert response.json()["reference"] == "C-1"
    assert [m.to for m in mailoutbox] == [["c1@example.com"]]
    assert "C-1" in mailoutbox[0].subject


def test_an_invalid_order_is_refused_and_mails_nothing(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    Order.objects.create(reference="C-2", customer_email="c2@example.com")
    url = reverse("example:create-order")
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = admin_client.post(url, {"reference": "C-2", "customer_email": "x@example.com"})
        malformed = admin_client.post(url, {"reference": "C-3", "customer_email": "not-an-email"})
    assert duplicate.status_code == malformed.status_code == 400
    assert "reference" in duplicate.json()["errors"]
    assert "customer_email" in malformed.json()["errors"]
    assert mailoutbox == []


def test_creating_orders_needs_a_staff_login(client):
    response = client.post(reverse("example:create-order"), {"reference": "C-4"})
    assert response.status_code == 302
    assert not Order.objects.filter(reference="C-4").exists()


def test_demo_data_creates_the_example_orders_once(capsys):
    from django.core.management import call_command

    for _ in range(2):
        call_command("demo_data", receiver_url="https://receiver.example/orders/")
    assert Order.objects.filter(reference__startswith="DEMO-").count() == 3
    assert "Orders: 0 created, 3 already there." in capsys.readouterr().out
