"""HTTP hooks: what a hooked save costs, and how fast callbacks are delivered.

Save cost: in a subprocess of the default bake, on PostgreSQL when one answers
on 127.0.0.1 (else the SQLite default; the row says which), each save in its
own transaction: an example Order saved with 0 hooks (the baseline), with 1
and with 3 hooks on it (alike: default JSON payload, so rendered once per event;
the callbacks written and one delivery enqueued to an executor that does
nothing), and an unhooked model (auth Group) while hooks exist. Queries
per save are counted for each. Targets: no extra query for unhooked models; a
save with 3 hooks at most 1.5x the unhooked save.

Delivery: N waiting callbacks sent by the project's sender (``send_callbacks``'
code) to a receiver in another process on the other core, answering at once or
after 50 ms, against the same sender sending one at a time (concurrency 1).
Targets: at least 1,000 deliveries/s to the instant receiver; at least 20x the
one-at-a-time rate against the 50 ms receiver.
"""

import contextlib
import json
import shutil
import subprocess
import sys

from .common import REPO_ROOT, Result, bakery, register

SETUP = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
print(json.dumps(connection.vendor))
"""

SAVE_COST = """
import importlib, json, time, django
django.setup()
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
http_hooks = importlib.import_module(apps.get_app_config("http_hooks").module.__name__)
testing = importlib.import_module(apps.get_app_config("airlock").module.__name__ + ".testing")
Order = apps.get_model("example", "Order")

def nothing(intent):
    pass

ROUNDS, SAVES = ROUNDS_PLACEHOLDER, SAVES_PLACEHOLDER
counter = iter(range(10**9))

def save_order():
    with transaction.atomic():
        Order.objects.create(reference=f"r{next(counter)}", customer_email="a@example.com")

def save_group():
    with transaction.atomic():
        Group.objects.create(name=f"g{next(counter)}")

def per_save(func):
    start = time.perf_counter()
    for _ in range(SAVES):
        func()
    return (time.perf_counter() - start) / SAVES * 1e6

def queries(func):
    func()
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)

results = {"none": [], "one_hook": [], "hooked": [], "unhooked_model": []}
counts = {}
hooks = []
with testing.executor_override(nothing):
    for variant in ("none", "hooked"):
        for _ in range(3):
            save_order()
    counts["none"] = queries(save_order)
    for n in range(3):
        hooks.append(http_hooks.create_hook(
            ["django.db.models.signals.post_save"], model="example.order",
            target_url=f"https://receiver{n}.example/hooks"))
    counts["hooked"] = queries(save_order)
    counts["unhooked_model"] = queries(save_group)
    for _ in range(ROUNDS):
        for hook in hooks:
            hook.enabled = False
            hook.save()
        results["none"].append(per_save(save_order))
        results["unhooked_model"].append(per_save(save_group))
        hooks[0].enabled = True
        hooks[0].save()
        results["one_hook"].append(per_save(save_order))
        for hook in hooks[1:]:
            hook.enabled = True
            hook.save()
        results["hooked"].append(per_save(save_order))
print(json.dumps({"times": results, "queries": counts}))
"""

DELIVERY = """
import importlib, json, sys, time, django
django.setup()
from django.apps import apps
from django.utils import timezone
http_hooks = importlib.import_module(apps.get_app_config("http_hooks").module.__name__)
from django.contrib.contenttypes.models import ContentType
Hook = apps.get_model("http_hooks", "Hook")
Callback = apps.get_model("http_hooks", "Callback")
url, count, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
Callback.objects.all().delete()
hook = Hook.objects.create(model=ContentType.objects.get(model="order"), target_url=url)
Callback.objects.bulk_create(
    Callback(hook=hook, target_url=url, http_method="POST",
             payload=json.dumps({"object_id": i, "event_type": "updated", "pad": "x" * 200}))
    for i in range(count))
sender = http_hooks.Sender(concurrency=concurrency)
start = time.perf_counter()
summary = sender.send()
elapsed = time.perf_counter() - start
assert summary.sent == count, summary
print(json.dumps(count / elapsed))
"""


@contextlib.contextmanager
def database():
    """A fresh PostgreSQL database URL (dropped afterwards), or None for SQLite."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(bakery.temporary_postgres_database("bench"))
        except Exception:  # no server answering: measure on the SQLite default
            url = None
        yield url


@contextlib.contextmanager
def receiver(delay):
    port = bakery.free_port()
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
    process = subprocess.Popen(
        [*pin, sys.executable, "-m", "benchmarks.fast_receiver", str(port), str(delay)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


@register("http_hooks")
def http_hooks_benchmark(ctx):
    """µs and queries per save with 0/3 hooks and unhooked; deliveries/s (instant, 50 ms)."""
    rounds = ctx.repetitions(7, 2)
    saves = ctx.repetitions(400, 100)
    project = bakery.bake(ctx.tempdir("http-hooks-"))
    venv = bakery.prepared_venv(project)
    rows = []
    with database() as url:
        env = bakery.clean_env(
            **bakery.PRODUCTION_ENV,
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_LOG_LEVEL="WARNING",
            DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS="127.0.0.1/32",
            DJANGO_HTTP_HOOKS_TIMEOUT="30",
            DJANGO_HTTP_HOOKS_LEASE="600",
            **({"DATABASE_URL": url} if url else {}),
        )
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []

        def python(code, *args):
            result = bakery.run([*pin, venv.python, "-c", code, *args], cwd=project, env=env)
            return json.loads(result.stdout.strip().splitlines()[-1])

        vendor = python(SETUP)
        ctx.log(f"http_hooks: {vendor}, {rounds} rounds of {saves} saves")
        code = SAVE_COST.replace("ROUNDS_PLACEHOLDER", str(rounds)).replace(
            "SAVES_PLACEHOLDER", str(saves)
        )
        measured = python(code)
        times, queries = measured["times"], measured["queries"]
        baseline = _median(times["none"])
        label = f"Order save without hooks ({vendor})"
        for name, key in (
            ("1_hook", "one_hook"),
            ("3_hooks", "hooked"),
            ("unhooked_model", "unhooked_model"),
        ):
            rows.append(
                Result(
                    f"http_hooks.save_{name}",
                    _median(times[key]),
                    "µs/save",
                    baseline,
                    label,
                    rounds,
                    times[key],
                    times["none"],
                )
            )
        for key in ("hooked", "unhooked_model"):
            rows.append(
                Result(
                    f"http_hooks.queries_per_save_{key}",
                    queries[key],
                    "queries",
                    queries["none"],
                    "Order save without hooks",
                )
            )
        for delay, count, baseline_count, label in (
            (0.0, ctx.repetitions(3000, 1000), ctx.repetitions(500, 200), "instant"),
            (0.05, ctx.repetitions(1000, 400), ctx.repetitions(60, 30), "50ms"),
        ):
            with receiver(delay) as target:
                concurrent = [
                    python(DELIVERY, target, str(count), "50") for _ in range(rounds // 2 + 1)
                ]
                one_at_a_time = [python(DELIVERY, target, str(baseline_count), "1")]
            rows.append(
                Result(
                    f"http_hooks.deliveries_per_s_{label}",
                    _median(concurrent),
                    "deliveries/s",
                    _median(one_at_a_time),
                    f"the same sender one at a time ({vendor})",
                    len(concurrent),
                    concurrent,
                    one_at_a_time,
                )
            )
    return rows
