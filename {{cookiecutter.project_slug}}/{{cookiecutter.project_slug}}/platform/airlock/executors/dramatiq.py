"""The dramatiq executor: ``send_with_options`` for actors, ``run_effect`` for plain functions.

``_dispatch_options`` are message options (``delay`` in milliseconds,
``max_retries``, ``time_limit``...). The correlation id travels in the
message options (guid's ``DramatiqIntegration``).
"""

import dramatiq

from .common import call_function, function_path, require_json, task_and_arguments


@dramatiq.actor(actor_name="airlock.run_effect")
def run_effect(path, args, kwargs, key=None):
    """Run a plain function enqueued with airlock (by its dotted path), in the worker."""
    call_function(path, args, kwargs, key)


def dramatiq_executor(intent):
    """Send the intent to the broker; a worker runs it."""
    actor, args, kwargs = task_and_arguments(intent, _is_actor, run_effect)
    options = dict(intent.dispatch_options or {})
    if not intent.key:
        actor.send_with_options(args=args, kwargs=kwargs, **options)
        return
    # A durable effect's message id is its idempotency key (CurrentMessage).
    delay = options.pop("delay", None)
    message = actor.message_with_options(args=args, kwargs=kwargs, **options)
    actor.broker.enqueue(message.copy(message_id=intent.key), delay=delay)


def _is_actor(task):
    return isinstance(task, dramatiq.Actor)


def check(intent):
    if not _is_actor(intent.task):
        function_path(intent.task)
    require_json(intent, "Dramatiq")


dramatiq_executor.check = check
dramatiq_executor.queued = True


def check_broker_connected(app_configs=None, **kwargs):
    """E010: the Dramatiq broker (Redis) cannot be reached."""
    from django.core import checks

    broker = dramatiq.get_broker()
    try:
        client = getattr(broker, "client", None)
        if client is not None:
            client.ping()
    except Exception as exc:
        return [checks.Error(f"Cannot reach the Dramatiq broker: {exc}", id="dockerflow.E010")]
    return []
