"""process() runs in a transaction that begins at its first query (logux/transactions.py).

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
atomic_on_first_query = platform_module("logux", "transactions").atomic_on_first_query
SECRET = "transactions-test-secret-0123456789abcdef"
in_transaction = []  # what Nothing.process() saw
pytestmark = pytest.mark.django_db(transaction=True)


def usernames():
    return sorted(get_user_model().objects.values_list("username", flat=True))


def create(username):
    get_user_model().objects.create(username=username)


def transaction_statements(queries):
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"BEGIN", "SAVEPOINT"}]


def test_a_block_that_runs_no_query_begins_no_transaction():
    with CaptureQueriesContext(connection) as queries, atomic_on_first_query():
        assert not connection.in_atomic_block
    assert queries.captured_queries == []


def test_the_first_query_begins_a_transaction_that_commits_when_the_block_ends():
    with atomic_on_first_query():
        create("a")
        assert connection.in_atomic_block
        create("b")
    assert not connection.in_atomic_block
    assert usernames() == ["a", "b"]


def test_a_block_that_raises_rolls_back_all_of_its_writes():
    with pytest.raises(RuntimeError), atomic_on_first_query():
        create("a")
        create("b")
        raise RuntimeError("undo")
    assert not connection.in_atomic_block
    assert usernames() == []


def test_inside_a_callers_transaction_it_is_a_savepoint():
    with transaction.atomic():
        create("kept")
        with pytest.raises(RuntimeError), atomic_on_first_query():
            create("dropped")
            raise RuntimeError("back to the savepoint")
    assert usernames() == ["kept"]


def test_a_block_that_opens_its_own_atomic_first_gets_that_as_its_transaction():
    """The documented difference from atomic(): the block's own atomic() commits when it ends;
    what follows is a transaction of its own, which the error rolls back."""
    with pytest.raises(RuntimeError), atomic_on_first_query():
        with transaction.atomic():
            create("own")
        create("after")
        raise RuntimeError("undo what follows")
    assert not connection.in_atomic_block
    assert usernames() == ["own"]


class Nothing(logux_app.ActionCommand):
    action_type = "test/nothing-to-store"

    def access(self, action, meta):
        return True

    def process(self, action, meta):
        in_transaction.append(connection.in_atomic_block)


class Store(Nothing):
    action_type = "test/store"

    def process(self, action, meta):
        create(action["username"])
        if action.get("fail"):
            raise RuntimeError("boom")


@pytest.fixture
def actions(settings):
    settings.LOGUX_CONTROL_SECRET = SECRET
    settings.LOGUX_CACHE = "default"
    for command in (Nothing, Store):
        logux_app.logux.actions.register(command)
    yield
    for command in (Nothing, Store):
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


def test_an_action_whose_process_runs_no_query_costs_no_transaction(client, actions):
    in_transaction.clear()
    with CaptureQueriesContext(connection) as queries:
        assert post(client, {"type": Nothing.action_type}) == ["approved", "processed"]
    assert in_transaction == [False]
    assert transaction_statements(queries.captured_queries) == []


def test_each_action_that_writes_commits_or_rolls_back_on_its_own(client, actions):
    answers = post(
        client,
        {"type": Store.action_type, "username": "first"},
        {"type": Store.action_type, "username": "second", "fail": True},
        {"type": Store.action_type, "username": "third"},
    )
    assert answers == ["approved", "processed", "approved", "error", "approved", "processed"]
    assert usernames() == ["first", "third"]
