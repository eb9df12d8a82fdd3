"""airlock_command: management commands release their side effects only when they succeed."""

import functools

from . import conf
from .core import scope
from .policies import DropAll


def airlock_command(func=None, *, dry_run_kwarg="dry_run"):
    """Decorate a command's ``handle``: one scope per run.

    Effects are dispatched when ``handle`` returns, discarded when it raises,
    and all dropped when the command's ``--dry-run`` option (``options[dry_run_kwarg]``)
    is set. Usable bare (``@airlock_command``) or with arguments.
    """

    def decorate(handle):
        @functools.wraps(handle)
        def wrapper(self, *args, **options):
            dry_run = bool(options.get(dry_run_kwarg, False))
            chosen = DropAll() if dry_run else conf.get_policy()
            with scope(chosen, _cls=conf.get_scope_class(), **conf.get_scope_kwargs()):
                return handle(self, *args, **options)

        return wrapper

    return decorate(func) if func is not None else decorate
