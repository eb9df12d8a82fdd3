"""``deferred_atomic``: process()'s transaction, which costs nothing until it touches the database.

Every action's ``process()`` runs in a transaction and an airlock scope. Most
actions are light, and many never query: for them ``transaction.atomic()``
was most of what a command cost (on SQLite its BEGIN and COMMIT: over half of
an action's time). So the block starts *as if* inside ``atomic()`` (Django's
``in_atomic_block`` set and autocommit off, which is what ``select_for_update()``,
``on_commit()`` and nested ``atomic()`` blocks look at), and the real
``atomic()`` is entered just before the first statement reaches the database,
from an execute wrapper (Django's documented hook for statements).

Why we wrote it rather than use a library: Django has no lazy ``atomic()``,
and none of the transaction helpers on PyPI defers the BEGIN.

What the block guarantees is what ``atomic()`` guarantees: the statements
commit together when the block succeeds, or none does if it raises; a nested
``atomic()`` is a savepoint in it; ``on_commit()`` callbacks run after the
commit, and never if the block fails, also when no statement ran. Inside a
caller's transaction (ATOMIC_REQUESTS, a test) it is a savepoint, begun at the
first statement too.
"""

from django.db import DEFAULT_DB_ALIAS, connections, transaction


class deferred_atomic:
    """``transaction.atomic()`` for the block, begun at its first statement (if any).

    A class rather than a generator: it runs once per Logux command.
    """

    __slots__ = ("atomic", "connection", "doomed", "hooks_before", "outermost")

    def __enter__(self):
        connection = connections[DEFAULT_DB_ALIAS]
        self.connection = connection
        self.atomic = None
        self.outermost = not connection.in_atomic_block
        if self.outermost:
            # What atomic() does first: a connection that failed its health
            # check is replaced, and one is opened, now rather than at the first
            # statement, where (inside the block) reconnecting is refused.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
            connection.needs_rollback = False
            connection.commit_on_exit = True
            connection.in_atomic_block = True
            connection.autocommit = False
        # A caller's transaction already marked for rollback stays marked.
        self.doomed = connection.needs_rollback
        self.hooks_before = len(connection.run_on_commit)
        # What connection.execute_wrapper() does, without a generator per command.
        connection.execute_wrappers.append(self)
        return self

    def __call__(self, execute, sql, params, many, context):
        if self.atomic is None:
            self._begin()
        return execute(sql, params, many, context)

    def _begin(self):
        """Enter the real atomic() now; its own BEGIN or SAVEPOINT passes through __call__."""
        connection = self.connection
        if self.outermost:
            # Failed before any statement (a nested atomic(savepoint=False) that
            # raised): atomic() would refuse further statements; so does this.
            doomed = connection.needs_rollback
            connection.in_atomic_block = False
            connection.autocommit = True
        atomic = self.atomic = transaction.atomic()
        try:
            atomic.__enter__()
        except BaseException:  # the BEGIN failed: the block ends with this error
            self.atomic = None
            raise
        if self.outermost:
            connection.needs_rollback = doomed

    def __exit__(self, exc_type, exc, traceback):
        connection = self.connection
        wrappers = connection.execute_wrappers
        if wrappers and wrappers[-1] is self:
            wrappers.pop()
        else:  # the block left a wrapper of its own on the list
            wrappers.remove(self)
        if self.atomic is not None:
            return self.atomic.__exit__(exc_type, exc, traceback)
        # No statement ran: there is nothing to commit or roll back, only the
        # on_commit() callbacks the block registered.
        failed = exc_type is not None or connection.needs_rollback
        added = connection.run_on_commit[self.hooks_before :]
        del connection.run_on_commit[self.hooks_before :]
        connection.needs_rollback = self.doomed
        if self.outermost:
            connection.in_atomic_block = False
            connection.autocommit = True
            if added and not failed:
                connection.run_on_commit = added
                connection.run_and_clear_commit_hooks()
        elif added and not failed:
            connection.run_on_commit.extend(added)  # they wait for the caller's commit
        return False
