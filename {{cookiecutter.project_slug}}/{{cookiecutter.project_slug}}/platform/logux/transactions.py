"""A transaction around ``process()`` that costs nothing until it touches the database.

Every action's ``process()`` runs in a transaction (its writes commit together
or not at all) and an airlock scope. Most actions are light, and many never
touch the database: for them ``BEGIN``/``COMMIT`` and Django's autocommit
bookkeeping were most of what a command cost (on SQLite, over half). So the
transaction starts at the first query instead, from an execute wrapper
(Django's documented hook for this), and commits when ``process()`` returns
or rolls back if it raises, as ``transaction.atomic()`` would.

Inside a caller's transaction (ATOMIC_REQUESTS, an outer ``atomic()``) it
is a savepoint, begun at the first query too. One difference from wrapping
``process()`` in ``atomic()``: if the first thing ``process()`` does with the
database is to open its own ``atomic()`` block, that block is the transaction
(or savepoint) and ends with it; queries after it begin another.
"""

from django.db import DEFAULT_DB_ALIAS, connections, transaction

# Django's SQLite backend begins an outermost atomic() block with BEGIN (or
# BEGIN IMMEDIATE, per its transaction_mode option); other backends send none.


class atomic_on_first_query:
    """``atomic()`` for the block, begun only if (and when) the block runs a query.

    The execute wrapper enters it before the first query, but not while a block's
    own ``atomic()`` is open (there are more atomic blocks than when the block
    began) nor for the ``BEGIN`` that opens one on SQLite: ours would not nest
    inside it. A class rather than a generator: it runs once per Logux command.
    """

    __slots__ = ("atomic", "connection", "depth")

    def __enter__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.depth = len(self.connection.atomic_blocks)
        self.atomic = None
        # What connection.execute_wrapper() does, without a generator per command.
        self.connection.execute_wrappers.append(self)
        return self

    def __exit__(self, exc_type, exc, traceback):
        wrappers = self.connection.execute_wrappers
        if wrappers and wrappers[-1] is self:
            wrappers.pop()
        else:  # a block left a wrapper of its own on the list
            wrappers.remove(self)
        if self.atomic is not None:
            self.atomic.__exit__(exc_type, exc, traceback)
        return False

    def __call__(self, execute, sql, params, many, context):
        if (
            self.atomic is None
            and not sql.startswith("BEGIN")
            and len(self.connection.atomic_blocks) == self.depth
        ):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()  # its own BEGIN or SAVEPOINT comes back here, and passes
        return execute(sql, params, many, context)
