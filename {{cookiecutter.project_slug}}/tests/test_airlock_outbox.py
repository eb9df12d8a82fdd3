"""Airlock's outbox: a released effect is stored, sent after the commit, and kept until
the queue takes it (a queue that refuses it, or a process that dies, loses nothing).

``QueueStandIn`` plays the task queue here (it records, or refuses like a broker
that is down); tests/test_durable_effects.py does the same with the real queue.
"""

import datetime
import uuid

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from .conftest import platform_module

pytestmark = [pytest.mark.airlock, pytest.mark.django_db(transaction=True)]

airlock = platform_module("airlock")
outbox = platform_module("airlock", "outbox")
airlock_checks = platform_module("airlock", "checks")
PendingEffect = platform_module("airlock", "models").PendingEffect


def send_receipt(order_id):
    """A module-level effect (the relay imports it back by its dotted path)."""


class QueueStandIn:
    """An executor for a task queue: it takes intents, or refuses them while ``down``."""

    queued = True

    def __init__(self):
        self.sent = []
        self.down = False

    def __call__(self, intent):
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append(intent)


@pytest.fixture
def queue():
    return QueueStandIn()


def durable_scope(queue):
    return airlock.scope(_cls=airlock.DjangoScope, executor=queue)


def make_due():
    PendingEffect.objects.update(next_attempt_at=timezone.now())


def test_a_sent_effect_leaves_no_row_and_carries_its_key(queue):
    with durable_scope(queue):
        airlock.enqueue(send_receipt, 7)
    [intent] = queue.sent
    assert intent.args == (7,)
    assert uuid.UUID(intent.key)
    assert not PendingEffect.objects.exists()


def test_an_effect_the_queue_refuses_is_kept_and_the_relay_sends_it_once(queue, caplog):
    queue.down = True
    with durable_scope(queue):
        airlock.enqueue(send_receipt, 1)
        airlock.enqueue(send_receipt, 2)
    rows = list(PendingEffect.objects.all())
    assert [r.args for r in rows] == [[1], [2]]
    assert all(r.attempts == 1 and "Connection refused" in r.last_error for r in rows)
    assert all(r.next_attempt_at > timezone.now() for r in rows)  # backoff, not a busy loop
    assert "2 side effect(s) kept in the outbox" in caplog.text

    assert outbox.relay(executor=queue).sent == 0  # not due yet
    make_due()
    summary = outbox.relay(executor=queue)  # still down: kept, one more attempt each
    assert (summary.sent, summary.failed, summary.left) == (0, 2, 2)
    assert PendingEffect.objects.filter(attempts=2).count() == 2

    queue.down = False
    make_due()
    assert outbox.relay(executor=queue).sent == 2
    assert [i.args for i in queue.sent] == [(1,), (2,)]
    assert {i.key for i in queue.sent} == {str(r.key) for r in rows}  # the keys stay
    assert not PendingEffect.objects.exists()
    make_due()
    assert outbox.relay(executor=queue).sent == 0  # nothing twice


def test_an_effect_stored_by_a_process_that_died_is_relayed_after_relay_after(queue):
    """The row is written, the process dies before publishing: the relay sends it."""
    with transaction.atomic(), durable_scope(queue) as scope:
        airlock.enqueue(send_receipt, 3)
        scope.exit()
        # What flush() does, without the after-commit publish (the process "dies").
        outbox.store(scope._allowed(scope._intents), "default")
        scope._state = "flushed"
    [row] = PendingEffect.objects.all()
    assert outbox.relay(executor=queue).sent == 0  # left to its own process for RELAY_AFTER
    with override_settings(AIRLOCK={"RELAY_AFTER": 1}):
        PendingEffect.objects.update(next_attempt_at=timezone.now())
        assert outbox.relay(executor=queue).sent == 1
    assert queue.sent[0].key == str(row.key) and queue.sent[0].args == (3,)


def test_released_inside_a_transaction_the_row_commits_or_rolls_back_with_it(queue):
    with transaction.atomic():
        with durable_scope(queue):
            airlock.enqueue(send_receipt, 4)
        assert PendingEffect.objects.count() == 1  # written in the transaction
        assert queue.sent == []  # sent only after the commit
    assert [i.args for i in queue.sent] == [(4,)]
    assert not PendingEffect.objects.exists()

    with pytest.raises(ValueError), transaction.atomic():
        with durable_scope(queue):
            airlock.enqueue(send_receipt, 5)
        raise ValueError("undo")
    assert not PendingEffect.objects.exists()
    assert [i.args for i in queue.sent] == [(4,)]


def test_an_effect_of_a_rolled_back_savepoint_is_never_stored(queue):
    with transaction.atomic(), durable_scope(queue):
        try:
            with transaction.atomic():
                airlock.enqueue(send_receipt, "rolled back")
                raise ValueError
        except ValueError:
            pass
        airlock.enqueue(send_receipt, "kept")
    assert [i.args for i in queue.sent] == [("kept",)]
    assert not PendingEffect.objects.exists()


def test_a_failed_scope_stores_nothing(queue):
    with pytest.raises(RuntimeError), durable_scope(queue):
        airlock.enqueue(send_receipt, 6)
        raise RuntimeError
    assert not PendingEffect.objects.exists() and queue.sent == []


def test_durable_false_skips_the_outbox(queue):
    queue.down = True
    with durable_scope(queue):
        airlock.enqueue(send_receipt, 8, _durable=False)
    assert not PendingEffect.objects.exists()  # refused and logged, as without the outbox


def test_an_effect_the_relay_could_not_import_fails_where_it_is_enqueued(queue):
    def nested():
        pass

    with (
        pytest.raises(airlock.UsageError, match="cannot be stored in the outbox"),
        durable_scope(queue),
    ):
        airlock.enqueue(nested)


def test_without_the_setting_effects_go_straight_to_the_queue(queue):
    with override_settings(AIRLOCK={"DURABLE": False}):
        queue.down = True
        with durable_scope(queue):
            airlock.enqueue(send_receipt, 9)
    assert not PendingEffect.objects.exists()


def test_the_key_is_current_while_a_plain_function_runs_in_the_worker():
    common = platform_module("airlock", "executors.common")
    seen = []
    key = str(uuid.uuid4())
    common.call_function(f"{__name__}.remember_key", [seen], {}, key)
    assert seen == [key]
    assert airlock.effect_key() is None  # only while it runs


def remember_key(seen):
    seen.append(airlock.effect_key())


def test_the_heartbeat_warns_about_an_old_backlog(queue):
    assert airlock_checks.check_outbox_backlog() == []
    queue.down = True
    with durable_scope(queue):
        airlock.enqueue(send_receipt, 10)
    assert airlock_checks.check_outbox_backlog() == []  # recent: the relay is on it
    PendingEffect.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    [warning] = airlock_checks.check_outbox_backlog()
    assert warning.id == "airlock.W002" and warning.level == checks.WARNING
    assert "1 side effect(s)" in warning.msg and "Connection refused" in warning.msg


def test_the_relay_command_reports_what_it_did(capsys):
    call_command("relay_effects")
    assert "Outbox: 0 sent, 0 failed, 0 waiting" in capsys.readouterr().out


def test_relay_all_sends_what_is_not_due_yet(queue, settings, capsys):
    queue.down = True
    with durable_scope(queue):
        airlock.enqueue(send_receipt, 11)
    settings.AIRLOCK = {"EXECUTOR": f"{__name__}.stand_in"}
    call_command("relay_effects")
    assert "0 sent" in capsys.readouterr().out and stand_in.sent == []  # in backoff
    call_command("relay_effects", "--all")
    assert "1 sent, 0 failed, 0 waiting" in capsys.readouterr().out
    assert [i.args for i in stand_in.sent] == [(11,)]


stand_in = QueueStandIn()  # the AIRLOCK executor of the test above


def test_the_outbox_table_is_indexed_for_the_relay_and_the_heartbeat():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, PendingEffect._meta.db_table)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]}
    assert {("next_attempt_at",), ("created_at",), ("key",)} <= indexed
