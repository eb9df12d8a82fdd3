"""Each action's process() runs in its own transaction (logux/transactions.py), which
reaches the database only with its first statement.

Outside any test transaction (``transaction=True``), so that commits and
rollbacks are the real ones.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .conftest import platform_module

logux_app = platform_module("logux")
deferred_atomic = platform_module("logux", "transactions").deferred_atomic
SECRET = "transactions-test-secret-0123456789abcdef"
pytestmark = [pytest.mark.logux, pytest.mark.django_db(transaction=True)]
seen = []  # what Lock.process() saw


def usernames():
    return sorted(get_user_model().objects.values_list("username", flat=True))


def create(username):
    get_user_model().objects.create(username=username)


def test_a_block_that_runs_no_statement_sends_none():
    with CaptureQueriesContext(connection) as queries, deferred_atomic():
        assert connection.in_atomic_block
        assert not transaction.get_autocommit()
    assert queries.captured_queries == []
    assert not connection.in_atomic_block
    assert transaction.get_autocommit()


def test_the_first_statement_begins_a_transaction_that_commits_when_the_block_ends():
    with deferred_atomic():
        create("a")
        create("b")
    assert not connection.in_atomic_block
    assert usernames() == ["a", "b"]


def test_a_block_that_raises_rolls_back_all_of_its_writes():
    with pytest.raises(RuntimeError), deferred_atomic():
        create("a")
        create("b")
        raise RuntimeError("undo")
    assert not connection.in_atomic_block
    assert usernames() == []


def test_a_block_that_opens_its_own_atomic_first_still_is_one_transaction():
    with pytest.raises(RuntimeError), deferred_atomic():
        with transaction.atomic():
            create("inner")
        create("after")
        raise RuntimeError("undo both")
    assert usernames() == []


def test_an_inner_atomic_that_fails_rolls_back_only_itself():
    with deferred_atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            create("dropped")
            raise RuntimeError("back to the savepoint")
        create("kept")
    assert usernames() == ["kept"]


def test_inside_a_callers_transaction_it_is_a_savepoint():
    with transaction.atomic():
        create("kept")
        with pytest.raises(RuntimeError), deferred_atomic():
            create("dropped")
            raise RuntimeError("back to the savepoint")
    assert usernames() == ["kept"]


def test_on_commit_without_a_statement_runs_on_success_only():
    ran = []
    with deferred_atomic():
        transaction.on_commit(lambda: ran.append("success"))
        assert ran == []
    with pytest.raises(RuntimeError), deferred_atomic():
        transaction.on_commit(lambda: ran.append("failure"))
        raise RuntimeError("never committed")
    assert ran == ["success"]
    with transaction.atomic():
        with deferred_atomic():
            transaction.on_commit(lambda: ran.append("nested"))
        with pytest.raises(RuntimeError), deferred_atomic():
            transaction.on_commit(lambda: ran.append("nested failure"))
            raise RuntimeError("dropped with its block")
        assert ran == ["success"]  # waiting for the caller's commit
    assert ran == ["success", "nested"]


def test_a_failed_inner_block_without_savepoint_forbids_statements_as_atomic_would():
    with pytest.raises(transaction.TransactionManagementError), deferred_atomic():
        with pytest.raises(RuntimeError), transaction.atomic(savepoint=False):
            raise RuntimeError("marks the transaction for rollback")
        create("refused")
    assert not connection.in_atomic_block
    assert usernames() == []


def test_a_closed_connection_is_opened_before_the_block():
    connection.close()
    get_user_model().objects.create(username="ada")
    connection.close()
    with deferred_atomic():
        user = get_user_model().objects.select_for_update().get(username="ada")
        user.first_name = "Locked"
        user.save()
    assert get_user_model().objects.get(username="ada").first_name == "Locked"


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
