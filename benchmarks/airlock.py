"""Airlock: the middleware's cost on a request that enqueues nothing, and enqueue+flush per effect.

Targets: the middleware costs under 3% of a trivial view's throughput (ratio >=
0.97 against the same project without AirlockMiddleware), and enqueue+flush
costs under 20 µs per effect before the executor. The per-effect cost is
measured in a subprocess of the baked project: N effects enqueued in a
DjangoScope outside any transaction and flushed to an executor that does
nothing but carries the chosen queue's enqueue-time ``check`` (the default
bake's Celery check: importable function, JSON arguments), for N = 1, 10 and
100, against the same loop without airlock (a plain call of a no-op) as
baseline. The durable rows time the same loop through the outbox (an executor
marked ``queued``: each scope's effects are written in one INSERT and deleted
in one DELETE once "sent", on the project's database), against the figure
without it.
"""

import json

from . import load
from .common import Result, bakery, median, register

FULL_ROUNDS = 8
QUICK_ROUNDS = 2
NO_AIRLOCK = "same project without AirlockMiddleware"

PER_EFFECT = """
import json, time, django
django.setup()
from django.apps import apps
import importlib
airlock = importlib.import_module(apps.get_app_config("airlock").module.__name__)

def task(order_id):
    pass

# A real effect of the project (never run here: the executor does nothing).
example = apps.get_app_config("example").module.__name__
effect = importlib.import_module(example + ".tasks").send_order_confirmation

def nothing(intent):
    pass

nothing.check = getattr(airlock.get_configuration()["executor"], "check", None)


def queue_that_takes_everything(intent):
    pass

# Durable: stored in the outbox before it is "sent", its row deleted after.
queue_that_takes_everything.check = nothing.check
queue_that_takes_everything.queued = True


def best_per_effect(n, rounds, executor):
    best = None
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            with airlock.scope(executor=executor):
                for i in range(n):
                    airlock.enqueue(effect, order_id=i)
        per_effect = (time.perf_counter() - start) / (rounds * n)
        best = per_effect if best is None else min(best, per_effect)
    return best


results = {}
for n in (1, 10, 100):
    rounds = max(200, 20000 // n)
    best = best_per_effect(n, rounds, nothing)
    durable = best_per_effect(n, max(40, rounds // 10), queue_that_takes_everything)
    start = time.perf_counter()
    for _ in range(rounds):
        for i in range(n):
            task(order_id=i)
    plain = (time.perf_counter() - start) / (rounds * n)
    results[n] = [best * 1e6, plain * 1e6, durable * 1e6]
print(json.dumps(results))
"""


@register("airlock")
def airlock_benchmark(ctx):
    """AirlockMiddleware's cost on a trivial view; enqueue+flush µs per effect (1/10/100)."""
    rounds = ctx.repetitions(FULL_ROUNDS, QUICK_ROUNDS)
    project, venv = load.prepared_project(ctx, "airlock-")
    env = bakery.clean_env(**bakery.PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="benchsite")
    output = bakery.run([venv.python, "-c", PER_EFFECT], cwd=project, env=env).stdout
    per_effect = json.loads(output.strip().splitlines()[-1])
    rows = [
        Result(
            f"airlock.enqueue_flush_{n}_effects",
            values[0],
            "µs/effect",
            values[1],
            "a plain call of the task",
            5,
        )
        for n, values in per_effect.items()
    ]
    rows += [
        Result(
            f"airlock.durable_enqueue_flush_{n}_effects",
            values[2],
            "µs/effect",
            values[0],
            "the same effects without the outbox",
            5,
        )
        for n, values in per_effect.items()
    ]
    ctx.log(f"airlock: {rounds} alternating rounds ({load.generator_name()})")
    variants = {"with": ("", "/trivial/"), "without": ("AirlockMiddleware", "/trivial/")}
    runs = load.compare(ctx, project, venv, variants, rounds)
    with_rps = [m.rps for m in runs["with"]]
    without_rps = [m.rps for m in runs["without"]]
    rows.append(
        Result(
            "airlock.middleware_trivial_rps",
            median(with_rps),
            "req/s",
            median(without_rps),
            NO_AIRLOCK,
            rounds,
            with_rps,
            without_rps,
        )
    )
    return rows
