"""The example app's demo data and its webhook receiver, end to end over real HTTP.

``demo_data`` points the demo hook at the example receiver served by a live
server on 127.0.0.1; an order change is then delivered, signed, verified by
the receiver (Standard Webhooks) and answered 204.
"""

import importlib
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from .conftest import platform_module
from .test_http_hooks import _fresh_registry  # noqa: F401 (autouse here too)

pytestmark = [pytest.mark.example, pytest.mark.http_hooks]

Order = apps.get_model("example", "Order")
Callback = platform_module("http_hooks", "models").Callback
Hook = platform_module("http_hooks", "models").Hook
webhooks = importlib.import_module(f"{apps.get_app_config('example').module.__name__}.webhooks")
RECEIVER_PATH = "/example/webhooks/orders/"


@pytest.fixture(autouse=True)
def _loopback_receivers(settings):
    settings.DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.mark.django_db
def test_demo_data_is_idempotent(capsys):
    call_command("demo_data", receiver_url="http://127.0.0.1:9/x")
    call_command("demo_data", receiver_url="http://127.0.0.1:8000/example/webhooks/orders/")
    assert sorted(Order.objects.values_list("reference", flat=True)) == [
        "DEMO-1",
        "DEMO-2",
        "DEMO-3",
    ]
    hook = Hook.objects.get()
    assert hook.name == webhooks.DEMO_HOOK_NAME
    assert hook.target_url == "http://127.0.0.1:8000/example/webhooks/orders/"
    assert hook.model.model_class() is Order
    assert sorted(s.signal.rsplit(".", 1)[1] for s in hook.signals.all()) == [
        "post_delete",
        "post_save",
    ]
    out = capsys.readouterr().out
    assert "Orders: 3 created, 0 already there." in out
    assert "Orders: 0 created, 3 already there." in out
    assert not Callback.objects.exists()  # orders first, then the hook: no event yet


@pytest.fixture
def live_site(transactional_db, settings):
    """This project served over real HTTP on 127.0.0.1, started after this test's settings.

    pytest-django's live_server is started once per session, so its middleware
    keep the settings of that moment (in production settings, the HTTPS
    redirect); this server is built for the test. An in-memory SQLite test
    database is shared with its thread, as LiveServerTestCase does.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.mark.django_db(transaction=True)
def test_an_order_change_reaches_the_example_receiver(live_site, caplog):
    call_command("demo_data", receiver_url=live_site + RECEIVER_PATH)
    order = Order.objects.get(reference="DEMO-1")
    order.status = Order.Status.PAID
    with caplog.at_level("INFO", logger=webhooks.__name__), transaction.atomic():
        order.save()  # delivered after commit (effects run inline in these tests)
    callback = Callback.objects.get()
    assert (callback.status, callback.last_response_code) == ("sent", 204), callback.status_details
    assert json.loads(callback.payload) == {
        "event": "updated",
        "reference": "DEMO-1",
        "status": "paid",
        "total": "12.50",
        "customer": "ada@example.com",
    }
    assert f"Order DEMO-1 updated (webhook-id {callback.message_id})" in caplog.messages
    order.delete()
    assert Callback.objects.filter(event_type="deleted", status="sent").count() == 1


@pytest.mark.django_db
def test_the_receiver_refuses_what_it_cannot_verify(client):
    assert client.post(RECEIVER_PATH, "{}", content_type="application/json").status_code == 404
    webhooks.install_demo_hook("http://127.0.0.1:8000" + RECEIVER_PATH)
    forged = client.post(
        RECEIVER_PATH,
        '{"event": "updated"}',
        content_type="application/json",
        headers={
            "webhook-id": "msg_1",
            "webhook-timestamp": "1700000000",
            "webhook-signature": "v1,Zm9yZ2Vk",
        },
    )
    assert forged.status_code == 400
    assert "not a valid delivery" in forged.json()["error"]
    unsigned = client.post(RECEIVER_PATH, "{}", content_type="application/json")
    assert unsigned.status_code == 400
    assert client.get(RECEIVER_PATH).status_code == 405
