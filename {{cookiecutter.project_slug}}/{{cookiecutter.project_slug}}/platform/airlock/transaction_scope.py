"""DjangoScope: effects leave only after the surrounding transaction commits."""

import functools
import logging
from contextlib import nullcontext
from dataclasses import replace

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ..guid import guid_scope
from . import conf, outbox
from .core import Scope

logger = logging.getLogger(__name__)


def _alias_in_use():
    """The database whose transaction is open here (the first one, in settings order)."""
    for alias in connections:
        if connections[alias].in_atomic_block:
            return alias
    return DEFAULT_DB_ALIAS


def _pending_on_commit(callback, alias):
    """Whether ``callback`` is still registered with the transaction (no rollback dropped it)."""
    return any(entry[1] == callback for entry in connections[alias].run_on_commit)


class CommitGate:
    """Holds back an effect enqueued inside a transaction until that transaction commits.

    Registered with ``on_commit`` when the effect is enqueued: if the
    transaction (or the savepoint the effect was enqueued in) rolls back, Django
    forgets the callback and the effect can never run, even if the scope around
    it later succeeds. If the scope releases the effect first, the gate runs it
    at commit; if the commit came first, the scope runs it when released.
    """

    def __init__(self):
        self.committed = False
        self.release = None

    def on_commit(self):
        self.committed = True
        if self.release is not None:
            self.release()


class DjangoScope(Scope):
    """A scope whose effects run only after the transaction they belong to commits.

    An effect enqueued inside a transaction waits for that transaction: a
    rollback drops it. Effects released outside any transaction run at once;
    released inside one, at its commit (``transaction.on_commit``). ``using``
    picks the database; by default, the one whose transaction is open.

    Durable effects (``durable``; by default those for a task queue, see
    ``AIRLOCK['DURABLE']``) are written to the outbox when released, in the
    transaction when one is open, and sent after the commit (outbox.py): a
    broker that is down, or a process that dies after the commit, loses none.
    Other effects are each their own robust callback: one that fails is logged
    (with the correlation id of the request that enqueued it) and the others
    still run.
    """

    def __init__(self, policy=None, executor=None, *, using=None, durable=None):
        if executor is None:
            executor = conf.get_executor()
        super().__init__(policy=policy, executor=executor)
        self.using = using
        self._durable = durable  # None: worked out when an effect first needs it

    @property
    def durable(self):
        """Whether this scope's effects go through the outbox (unless an effect says)."""
        if self._durable is None:
            self._durable = conf.is_durable(self._executor)
        return self._durable

    @durable.setter
    def durable(self, value):
        self._durable = value

    def _alias(self):
        return self.using or _alias_in_use()

    def _add(self, intent):
        alias = self._alias()
        if connections[alias].in_atomic_block and intent._commit_gate is None:
            gate = CommitGate()
            intent = replace(intent, _commit_gate=gate)
            super()._add(intent)
            transaction.on_commit(gate.on_commit, using=alias, robust=True)
        else:
            super()._add(intent)
        if self._is_durable(intent):
            outbox.task_path(intent.task)  # one the relay could not import fails here

    def _is_durable(self, intent):
        return self.durable if intent._durable is None else intent._durable

    def _dispatch_all(self, intents):
        using = self._alias()
        in_transaction = connections[using].in_atomic_block
        ready = []
        for intent in intents:
            gate = intent._commit_gate
            if gate is None or gate.committed:
                ready.append(intent)
            elif (
                in_transaction
                and self._is_durable(intent)
                and _pending_on_commit(gate.on_commit, using)
            ):
                # Its transaction is still open here: the outbox row joins it.
                ready.append(intent)
            else:
                gate.release = functools.partial(self._release, [intent], using)
        if ready:
            self._release(ready, using)

    def _release(self, intents, using):
        durable = [i for i in intents if self._is_durable(i)]
        for intent in intents:
            if not self._is_durable(intent):
                transaction.on_commit(
                    functools.partial(self._run, intent), using=using, robust=True
                )
        if not durable:
            return
        try:
            durable = outbox.store(durable, using)
        except Exception:
            if connections[using].in_atomic_block:
                raise  # the transaction fails with its data: nothing was committed
            # After the commit, with the outbox unwritable (the database went
            # away): send them anyway, as a non-durable scope would.
            logger.exception("The outbox could not store %d effects; sending them", len(durable))
            for intent in durable:
                self._run(intent)
            return
        transaction.on_commit(
            functools.partial(outbox.publish, durable, self._executor, using),
            using=using,
            robust=True,
        )

    def _run(self, intent):
        restored = guid_scope(intent.correlation_id) if intent.correlation_id else nullcontext()
        with restored:
            try:
                self._executor(intent)
            except Exception:
                logger.exception("Side effect %s failed; the other effects still run", intent)
