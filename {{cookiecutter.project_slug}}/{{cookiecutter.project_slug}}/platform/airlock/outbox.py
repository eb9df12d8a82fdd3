"""The outbox: released effects are stored before they are sent, and sent again until taken.

``store()`` writes the effects a scope releases (one INSERT for the lot) in
the transaction that is open, so they commit with the data; ``publish()``,
run after the commit, hands each to the executor and deletes the rows the
queue accepted (one DELETE). When the queue refuses (a broker that is down or
hung past its timeouts), the rest of the batch is not tried: every row is
kept with the error and a time for the next attempt, and the request that
released them is not delayed further. ``relay()`` sends what is due: rows
whose sender failed, and rows a process that died after the commit never got
to send (each row is left to its own process for ``RELAY_AFTER`` seconds).

Delivery is therefore at least once: a process that dies after the queue took
an effect but before it deleted the row makes the relay send it again. The
row's ``key`` travels with every send of it (``airlock.effect_key()`` in the
task) so an effect can tell a repeat from a new one.
"""

import contextvars
import datetime
import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, replace

from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ..guid import guid_scope
from . import conf
from .errors import UsageError

logger = logging.getLogger(__name__)
_current_key = contextvars.ContextVar("airlock_effect_key", default=None)
MAX_BACKOFF = 600  # seconds between two attempts, at most
ERROR_LENGTH = 2000


def effect_key():
    """The idempotency key of the effect running now (in the worker), or None.

    The same string on every send of one effect, so a task that must not act
    twice can record it (e.g. a unique column) and skip a repeat.
    """
    return _current_key.get()


def running_effect(key):
    """Make ``key`` the current effect's key for the block (the queues' run_effect)."""
    if not key:
        return nullcontext()
    return _KeyScope(key)


class _KeyScope:
    def __init__(self, key):
        self.key = key

    def __enter__(self):
        self.token = _current_key.set(self.key)

    def __exit__(self, *exc):
        _current_key.reset(self.token)


def task_path(task):
    """The dotted path the relay imports ``task`` back from (a function or a queue's task)."""
    if isinstance(task, str):
        return task
    for candidate in (task, *(getattr(task, a, None) for a in ("__wrapped__", "fn", "func"))):
        module = getattr(candidate, "__module__", None)
        qualname = getattr(candidate, "__qualname__", None) or getattr(candidate, "__name__", None)
        if not (module and isinstance(qualname, str)) or "<" in qualname:
            continue
        path = f"{module}.{qualname}"
        try:
            if import_string(path) is task:
                return path
        except ImportError:
            continue
    raise UsageError(
        f"{task!r} cannot be stored in the outbox: enqueue a module-level function or task, "
        "or pass _durable=False."
    )


def backoff(attempts):
    """Seconds before attempt ``attempts + 1``: 10, 20, 40... up to MAX_BACKOFF."""
    return min(10 * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def _model():
    from .models import PendingEffect

    return PendingEffect


def _row(intent, now, relay_after):
    return _model()(
        key=intent.key,
        name=intent.name[:255],
        task=task_path(intent.task),
        args=list(intent.args),
        kwargs=dict(intent.kwargs),
        dispatch_options=intent.dispatch_options,
        correlation_id=intent.correlation_id or "",
        created_at=now,
        next_attempt_at=now + datetime.timedelta(seconds=relay_after),
    )


def with_key(intent):
    """The intent with an idempotency key of its own (kept if it has one)."""
    return intent if intent.key else replace(intent, key=str(uuid.uuid4()))


def store(intents, using):
    """Write the intents to the outbox (in the open transaction, if any); return them keyed."""
    keyed = [with_key(i) for i in intents]
    now = timezone.now()
    rows = [_row(i, now, conf.get_setting("RELAY_AFTER")) for i in keyed]
    _model().objects.using(using).bulk_create(rows)
    return keyed


def publish(intents, executor, using):
    """Send stored intents after the commit; delete those the queue took, keep the rest."""
    sent, failed, error = _send(intents, executor)
    keys = [i.key for i in sent]
    try:
        if keys:
            _delete(using, keys)
        if failed:
            _postpone(using, [i.key for i in failed], 1, error)
    except DatabaseError:
        # The effects stay in the outbox as they are: the relay sends them
        # (again, for those the queue already has: at least once).
        logger.exception("The outbox could not be updated after sending %d effects", len(intents))
    if failed:
        logger.warning(
            "%d side effect(s) kept in the outbox, the queue refused them (%s): the relay "
            "sends them in %d s",
            len(failed),
            error,
            backoff(1),
        )


def _send(intents, executor):
    """(sent, not sent, the error): the first failure stops the batch (the queue is down)."""
    for index, intent in enumerate(intents):
        restored = guid_scope(intent.correlation_id) if intent.correlation_id else nullcontext()
        try:
            with restored:
                executor(intent)
        except Exception as exc:
            logger.debug("Sending %s failed", intent, exc_info=True)
            return intents[:index], intents[index:], f"{type(exc).__name__}: {exc}"
    return intents, [], ""


def _delete(using, keys):
    """Delete the rows of ``keys`` in one statement.

    ``_raw_delete`` skips the deletion collector, which would load each row and
    send pre/post_delete for it (to every receiver that listens to all models,
    the HTTP hooks' registry included): an outbox row has no relations and
    nobody needs to hear of its removal.
    """
    query = _model().objects.using(using).filter(key__in=keys)
    query._raw_delete(query.db)


def _postpone(using, keys, attempts, error):
    now = timezone.now()
    _model().objects.using(using).filter(key__in=keys).update(
        attempts=attempts,
        last_error=error[:ERROR_LENGTH],
        next_attempt_at=now + datetime.timedelta(seconds=backoff(attempts)),
        claim_token=None,
    )


@dataclass
class RelaySummary:
    sent: int = 0
    failed: int = 0
    left: int = 0

    def __str__(self):
        return f"{self.sent} sent, {self.failed} failed, {self.left} waiting"


def _claim(using, batch, now):
    """Lease up to ``batch`` due rows to this relay; two relays never hold the same row."""
    model = _model()
    due = model.objects.using(using).filter(next_attempt_at__lte=now)
    token = uuid.uuid4()
    lease = now + datetime.timedelta(seconds=conf.get_setting("RELAY_AFTER"))
    with transaction.atomic(using=using):
        query = due
        if connections[using].features.has_select_for_update_skip_locked:
            query = query.select_for_update(skip_locked=True)
        ids = list(query.order_by("next_attempt_at", "id").values_list("id", flat=True)[:batch])
        # Conditional: a row another relay leased meanwhile is no longer due.
        due.filter(id__in=ids).update(claim_token=token, next_attempt_at=lease)
    return list(model.objects.using(using).filter(claim_token=token).order_by("created_at", "id"))


def _intent(row):
    from .intents import Intent

    return Intent(
        task=import_string(row.task),
        args=tuple(row.args),
        kwargs=dict(row.kwargs),
        dispatch_options=row.dispatch_options,
        _explicit_name=row.name,
        correlation_id=row.correlation_id or None,
        key=str(row.key),
    )


def relay(*, batch=100, max_batches=None, executor=None, using="default"):
    """Send the outbox's due effects, oldest first; return what happened.

    For a queue that does not give back the tasks of a worker that died
    (django-tasks), the executor's ``recover_lost_tasks`` runs first.
    """
    executor = executor or conf.get_executor()
    recover = getattr(executor, "recover_lost_tasks", None)
    if recover is not None:  # the queue cannot give back a dead worker's tasks itself
        recover()
    summary = RelaySummary()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        rows = _claim(using, batch, timezone.now())
        if not rows:
            break
        intents, broken = [], []
        for row in rows:
            try:
                intents.append((_intent(row), row))
            except Exception as exc:  # the task is gone from the code: keep the row, say why
                broken.append((row, f"{type(exc).__name__}: {exc}"))
        for row, error in broken:
            _postpone(using, [row.key], row.attempts + 1, error)
            logger.error("Outbox effect %s cannot be loaded: %s", row, error)
        sent, failed, error = _send([i for i, _ in intents], executor)
        if sent:
            _delete(using, [i.key for i in sent])
        by_key = {str(row.key): row for _, row in intents}
        for intent in failed:
            _postpone(using, [intent.key], by_key[intent.key].attempts + 1, error)
        summary.sent += len(sent)
        summary.failed += len(failed) + len(broken)
        if failed:
            logger.warning("The relay could not send %d effect(s): %s", len(failed), error)
            break  # the queue is down: the next run tries again
        if len(rows) < batch:
            break
    summary.left = _model().objects.using(using).count()
    if summary.sent or summary.failed:
        logger.info("Outbox relay: %s", summary)
    return summary


def backlog(older_than, using="default"):
    """(count, oldest created_at, last error) of the rows stored more than ``older_than`` s ago."""
    model = _model()
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than)
    old = model.objects.using(using).filter(created_at__lt=cutoff).order_by("created_at")
    count = old.count()
    if not count:
        return 0, None, ""
    oldest = old.values("created_at", "last_error").first()
    return count, oldest["created_at"], oldest["last_error"]
