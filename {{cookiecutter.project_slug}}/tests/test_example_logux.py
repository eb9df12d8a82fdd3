"""The example app's Logux channel and action, through the /logux/ endpoint."""

import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from .test_logux import SECRET, _logux  # noqa: F401 (autouse: settings and test commands)

Order = apps.get_model("example", "Order")
pytestmark = [pytest.mark.example, pytest.mark.logux, pytest.mark.django_db]


def send(client, user, action):
    meta = {"id": f"1700000000000 {user.pk}:tab1 0", "time": 1700000000000}
    body = {
        "version": 4,
        "secret": SECRET,
        "commands": [{"command": "action", "action": action, "meta": meta}],
    }
    response = client.post("/logux/", json.dumps(body), content_type="application/json")
    return json.loads(b"".join(response.streaming_content))


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("staff", is_staff=True)


@pytest.fixture
def order():
    return Order.objects.create(reference="L-1", customer_email="l@example.com", total="3.50")


def test_subscribing_to_an_order_loads_its_state(client, staff, order):
    result = send(client, staff, {"type": "logux/subscribe", "channel": f"orders/{order.pk}"})
    assert [a["answer"] for a in result] == ["approved", "action", "processed"]
    assert result[1]["action"] == {
        "type": "orders/state",
        "id": order.pk,
        "reference": "L-1",
        "status": "new",
        "total": "3.50",
    }
    assert result[1]["meta"] == {"clients": [f"{staff.pk}:tab1"]}


def test_only_staff_may_subscribe_or_change_orders(client, order):
    someone = get_user_model().objects.create_user("someone")
    subscribe = {"type": "logux/subscribe", "channel": f"orders/{order.pk}"}
    change = {"type": "orders/status", "id": order.pk, "status": "paid"}
    assert [a["answer"] for a in send(client, someone, subscribe)] == ["forbidden"]
    assert [a["answer"] for a in send(client, someone, change)] == ["forbidden"]
    order.refresh_from_db()
    assert order.status == "new"


def test_changing_the_status_is_resent_to_the_orders_channel(client, staff, order):
    result = send(client, staff, {"type": "orders/status", "id": order.pk, "status": "paid"})
    assert result[0] == {
        "answer": "resend",
        "id": result[0]["id"],
        "channels": [f"orders/{order.pk}"],
    }
    assert [a["answer"] for a in result] == ["resend", "approved", "processed"]
    order.refresh_from_db()
    assert order.status == "paid"


def test_an_invalid_status_is_an_error_and_changes_nothing(client, staff, order):
    result = send(client, staff, {"type": "orders/status", "id": order.pk, "status": "lost"})
    assert [a["answer"] for a in result] == ["resend", "approved", "error"]
    assert "status must be one of" in result[-1]["details"]
    order.refresh_from_db()
    assert order.status == "new"
