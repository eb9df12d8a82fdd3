"""Each action's process() runs in its own transaction, begun before it runs.

Outside any test transaction (``transaction=True``), so that commits and
rollbacks are the real ones.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from .conftest import platform_module

logux_app = platform_module("logux")
SECRET = "transactions-test-secret-0123456789abcdef"
pytestmark = [pytest.mark.logux, pytest.mark.django_db(transaction=True)]
seen = []  # what Lock.process() saw


def usernames():
    return sorted(get_user_model().objects.values_list("username", flat=True))


class Store(logux_app.ActionCommand):
    action_type = "test/store"

    def access(self, action, meta):
        return True

    def process(self, action, meta):
        get_user_model().objects.create(username=action["username"])
        if action.get("fail"):
            raise RuntimeError("boom")


class Lock(Store):
    """Locks a row first thing, as many process() methods do."""

    action_type = "test/lock"

    def process(self, action, meta):
        user = get_user_model().objects.select_for_update().get(username=action["username"])
        seen.append(connection.in_atomic_block)
        user.first_name = "Locked"
        user.save()


@pytest.fixture
def actions(settings):
    settings.LOGUX_CONTROL_SECRET = SECRET
    settings.LOGUX_CACHE = "default"
    for command in (Store, Lock):
        logux_app.logux.actions.register(command)
    yield
    for command in (Store, Lock):
        logux_app.logux.actions.unregister(command.action_type)


def post(client, *actions):
    commands = [
        {
            "command": "action",
            "action": action,
            "meta": {"id": f"1700000000000 10:t {n}", "time": 1700000000000},
            "headers": {},
        }
        for n, action in enumerate(actions)
    ]
    body = json.dumps({"version": 4, "secret": SECRET, "commands": commands})
    response = client.post("/logux/", body, "application/json")
    assert response.status_code == 200
    return [a["answer"] for a in json.loads(b"".join(response.streaming_content))]


def test_each_action_that_writes_commits_or_rolls_back_on_its_own(client, actions):
    answers = post(
        client,
        {"type": Store.action_type, "username": "first"},
        {"type": Store.action_type, "username": "second", "fail": True},
        {"type": Store.action_type, "username": "third"},
    )
    assert answers == ["approved", "processed", "approved", "error", "approved", "processed"]
    assert usernames() == ["first", "third"]


def test_a_process_that_locks_a_row_first_runs_in_its_transaction(client, actions):
    get_user_model().objects.create(username="ada")
    seen.clear()
    assert post(client, {"type": Lock.action_type, "username": "ada"}) == [
        "approved",
        "processed",
    ]
    assert seen == [True]
    assert get_user_model().objects.get(username="ada").first_name == "Locked"
    assert not connection.in_atomic_block
