"""The django_q executor (django-q2): ``async_task`` for functions, with options kept apart.

``_dispatch_options`` are django-q options (``group``, ``hook``, ``timeout``,
``save``, ``cluster``, ``task_name``...), passed as ``q_options``. django-q
takes keyword arguments named like its options (``group=``, ``hook=``,
``timeout=``, ``task_name=``...) for itself even then, so an intent whose
keyword arguments use one of those names is sent through ``run_effect``,
which hands them to the function untouched. The correlation id travels in
the task package (guid's ``DjangoQIntegration``).
"""

from django_q.brokers import get_broker
from django_q.tasks import async_task

from .common import call_function, function_path

# Keywords async_task() keeps for itself, whatever q_options says.
RESERVED = frozenset(
    {
        "ack_failure",
        "broker",
        "cached",
        "chain",
        "cluster",
        "group",
        "hook",
        "iter_cached",
        "iter_count",
        "q_options",
        "save",
        "sync",
        "task_name",
        "timeout",
    }
)


def run_effect(path, args, kwargs, key=None):
    """Call the function at ``path``: keyword arguments reach it whatever their names
    (and ``effect_key()`` returns ``key`` while it runs)."""
    return call_function(path, args, kwargs, key)


def django_q_executor(intent):
    """Queue the intent for the cluster."""
    options = {"task_name": intent.full_name, **(intent.dispatch_options or {})}
    path = function_path(intent.task) if callable(intent.task) else intent.task
    if intent.key or RESERVED.intersection(intent.kwargs):
        arguments = [path, list(intent.args), intent.kwargs]
        if intent.key:
            arguments.append(intent.key)
        async_task(run_effect, *arguments, q_options=options)
    else:
        async_task(path, *intent.args, q_options=options, **intent.kwargs)


def check(intent):
    if callable(intent.task):
        function_path(intent.task)


django_q_executor.check = check
django_q_executor.queued = True


def check_broker_connected(app_configs=None, **kwargs):
    """E010: django-q's broker (Redis, or the database) cannot be reached."""
    from django.core import checks

    try:
        get_broker().ping()
    except Exception as exc:
        return [checks.Error(f"Cannot reach django-q's broker: {exc}", id="dockerflow.E010")]
    return []
