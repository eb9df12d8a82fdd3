"""Side by side with the upstream libraries the platform replaces, in one run.

Each row measures the same work twice in the same run, interleaved round by
round with the order flipped every round: ours (a default bake) and the peer
(the upstream library in a virtualenv of its own with the bake's Django,
gunicorn and psycopg, served from a minimal project: ``peer_sites.py``). The
value is ours, the baseline the peer's, so for rates a ratio above 1 means we
are ahead and for times (µs) a ratio below 1 does.

HTTP rows: one sync gunicorn worker pinned to the first core, loaded from the
other (load.py), a fresh server per measurement.

* ``heartbeat_postgres``: ``/__heartbeat__`` on PostgreSQL with the same two
  checks (database connected, migrations applied) against python-dockerflow's;
  a second row with our default checks as shipped.
* ``platform_middleware``: the trivial view on ``startproject``'s middleware
  (the bare stack) with and without the platform's request middleware: ours
  (correlation id, request summary, health checks, airlock) against
  django-guid + python-dockerflow + airlock-py. Rows: the fraction of the bare
  stack's requests/s kept, and the µs each request pays for it.
* ``logux_*``: commands/s through ``/logux/`` with 1 and with 20 action commands
  per request whose action has a ``process()`` (what users write: ours runs
  each in a transaction and an airlock scope), against logux-django on the
  bare stack; ours both with the generated project's whole middleware and with
  the same bare stack as the peer; and 20 actions without ``process()``.

Save rows, in a subprocess per measurement on PostgreSQL (a fresh database per
side): ``Plain`` and ``Hooked`` rows saved, each in its own transaction or
many in one, with 0, 1 and 3 hooks on ``Hooked`` (the default JSON payload;
ours enqueues its delivery to an executor that does nothing, infi writes its
callbacks for a cron): ours against infi.django_http_hooks, and a save with no
hook app at all (bare Django) as the floor.
"""

import contextlib
import json
import shutil
import textwrap

from . import load, peer_sites
from . import logux as logux_benchmark
from .common import Result, bakery, median, register

FULL_ROUNDS, QUICK_ROUNDS = 5, 2
SECRET = logux_benchmark.SECRET
_action = logux_benchmark._action

OUR_SETTINGS = textwrap.dedent(
    '''
    """Settings for the `peers` benchmark (written by benchmarks/peers.py)."""

    import os

    from benchsite import *  # noqa: F403
    from benchsite import DOCKERFLOW_CHECKS, INSTALLED_APPS

    INSTALLED_APPS = [*INSTALLED_APPS, "benchapp"]
    ROOT_URLCONF = "benchpeers_urls"
    if os.environ.get("BENCH_SAME_CHECKS"):
        _same = {"check_database_connected", "check_migrations_applied"}
        DOCKERFLOW_CHECKS = [c for c in DOCKERFLOW_CHECKS if c.rsplit(".", 1)[-1] in _same]
    '''
)
# The trivial views, /logux/ and the actions "bench/ping" (with a process()) and
# "bench/empty" (without): the same URLconf as the logux benchmark's.
OUR_URLS = logux_benchmark.URLS

MIGRATE = "import django; django.setup(); from django.core.management import call_command; "
MIGRATE += "call_command('migrate', verbosity=0)"

CONFIGURE_OURS = """
import importlib, sys, django
django.setup()
from django.apps import apps
http_hooks = importlib.import_module(apps.get_app_config("http_hooks").module.__name__)
Hook = apps.get_model("http_hooks", "Hook")
hooks = list(Hook.objects.order_by("pk"))
while len(hooks) < 3:
    hooks.append(http_hooks.create_hook(
        ["django.db.models.signals.post_save"], model="benchapp.hooked",
        target_url=f"https://receiver{len(hooks)}.example/hooks"))
for n, hook in enumerate(hooks):
    hook.enabled = n < int(sys.argv[1])
    hook.save()
"""
CONFIGURE_INFI = """
import sys, django
django.setup()
from django.contrib.contenttypes.models import ContentType
from infi.django_http_hooks.hooks.models import Hook, Signal
from benchapp.models import Hooked
hooks = list(Hook.objects.order_by("pk"))
while len(hooks) < 3:
    hook = Hook.objects.create(model=ContentType.objects.get_for_model(Hooked),
                               target_url=f"https://receiver{len(hooks)}.example/hooks")
    hook.signals.add(Signal.objects.get(signal="django.db.models.signals.post_save"))
    hooks.append(hook)
for n, hook in enumerate(hooks):
    hook.enabled = n < int(sys.argv[1])
    hook.save()
"""
SAVES = """
import contextlib, importlib, json, sys, time, django
django.setup()
from django.apps import apps
from django.db import transaction
from benchapp.models import Hooked, Plain
side, saves = sys.argv[1], int(sys.argv[2])
context = contextlib.nullcontext()
if side == "ours":  # deliveries enqueued to an executor that does nothing
    testing = importlib.import_module(apps.get_app_config("airlock").module.__name__ + ".testing")
    context = testing.executor_override(lambda intent: None)
counter = iter(range(10**9))

def own_transaction(model):
    def save():
        with transaction.atomic():
            model.objects.create(reference=f"r{next(counter)}", email="a@example.com")
    return save

def per_save(func):
    start = time.perf_counter()
    for _ in range(saves):
        func()
    return (time.perf_counter() - start) / saves * 1e6

def one_transaction():
    with transaction.atomic():
        for _ in range(saves):
            Plain.objects.create(reference=f"r{next(counter)}", email="a@example.com")

with context:
    for _ in range(20):
        own_transaction(Hooked)()
        own_transaction(Plain)()
    start = time.perf_counter()
    one_transaction()
    batch = (time.perf_counter() - start) / saves * 1e6
    print(json.dumps({"hooked_own": per_save(own_transaction(Hooked)),
                      "plain_own": per_save(own_transaction(Plain)),
                      "plain_batch": batch}))
"""


def _logux_bodies(directory):
    bodies = {}
    for name, commands in (
        ("1", [_action(0)]),
        ("20", [_action(n) for n in range(20)]),
        ("20_empty", [_action(n, "bench/empty") for n in range(20)]),
    ):
        path = directory / f"peers-logux-{name}.json"
        path.write_text(json.dumps({"version": 4, "secret": SECRET, "commands": commands}))
        bodies[name] = path
    return bodies


class Side:
    """One side of the comparison: a project, its virtualenv and its environment."""

    def __init__(self, project, venv, env):
        self.project, self.venv, self.env = project, venv, env

    def python(self, code, *args, **env):
        pin = ["taskset", "-c", load.SERVER_CPU] if shutil.which("taskset") else []
        full_env = bakery.clean_env(**{**bakery.PRODUCTION_ENV, **self.env, **env})
        result = bakery.run([*pin, self.venv.python, "-c", code, *args], self.project, full_env)
        lines = result.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def server(self, path, body=None, dropped="", **env):
        return load.Server(self.project, self.venv, path, body, dropped, {**self.env, **env})


def _row(name, ours, theirs, unit, label, rounds):
    return Result(f"peers.{name}", median(ours), unit, median(theirs), label, rounds, ours, theirs)


def _http_rows(ctx, rounds, ours, ours_pg, peer_platform, peer_platform_pg, peer_logux, bodies):
    bare = ",".join(peer_sites.OUR_PLATFORM_MIDDLEWARE + peer_sites.OUR_EXTRA_MIDDLEWARE)
    extra = ",".join(peer_sites.OUR_EXTRA_MIDDLEWARE)
    servers = {
        "heartbeat_ours": ours_pg.server("/__heartbeat__", BENCH_SAME_CHECKS="1"),
        "heartbeat_ours_default_checks": ours_pg.server("/__heartbeat__"),
        "heartbeat_peer": peer_platform_pg.server("/__heartbeat__"),
        "bare_ours": ours.server("/trivial/", dropped=bare),
        "platform_ours": ours.server("/trivial/", dropped=extra),
        "bare_peer": peer_platform.server("/trivial/", PEER_MIDDLEWARE_BEFORE=""),
        "platform_peer": peer_platform.server("/trivial/"),
    }
    for name, body in bodies.items():
        servers[f"logux_{name}_ours"] = ours.server("/logux/", body)
        servers[f"logux_{name}_peer"] = peer_logux.server("/logux/", body)
        if name != "20_empty":
            servers[f"logux_{name}_ours_bare"] = ours.server("/logux/", body, dropped=bare)
    ctx.log(f"peers: {len(servers)} servers, {rounds} rounds ({load.generator_name()})")
    runs = load.compare_servers(ctx, servers, rounds)
    rps = {name: [m.rps for m in measured] for name, measured in runs.items()}

    platform = peer_sites.PEER_LABELS["platform"]
    rows = [
        _row(
            "heartbeat_postgres_rps",
            rps["heartbeat_ours"],
            rps["heartbeat_peer"],
            "req/s",
            "python-dockerflow 2026.3.4, same checks (higher is better)",
            rounds,
        ),
        _row(
            "heartbeat_postgres_default_checks_rps",
            rps["heartbeat_ours_default_checks"],
            rps["heartbeat_peer"],
            "req/s",
            "python-dockerflow 2026.3.4 with its default checks (higher is better)",
            rounds,
        ),
    ]
    kept = {
        side: [p / b for p, b in zip(rps[f"platform_{side}"], rps[f"bare_{side}"], strict=True)]
        for side in ("ours", "peer")
    }
    cost = {
        side: [
            1e6 / p - 1e6 / b
            for p, b in zip(rps[f"platform_{side}"], rps[f"bare_{side}"], strict=True)
        ]
        for side in ("ours", "peer")
    }
    rows.append(
        _row(
            "platform_middleware_kept",
            kept["ours"],
            kept["peer"],
            "of bare",
            f"{platform}, each on its own bare stack (higher is better)",
            rounds,
        )
    )
    rows.append(
        _row(
            "platform_middleware_us_per_request",
            cost["ours"],
            cost["peer"],
            "µs",
            f"{platform} (lower is better)",
            rounds,
        )
    )
    for name, per_request, what in (
        ("1", 1, "1 action with process()"),
        ("20", 20, "20 actions with process()"),
        ("20_empty", 20, "20 actions without process()"),
    ):
        peer = [r * per_request for r in rps[f"logux_{name}_peer"]]
        label = f"logux-django 2.0 on the bare stack, {what} (higher is better)"
        rows.append(
            _row(
                f"logux_{name}_commands_per_s",
                [r * per_request for r in rps[f"logux_{name}_ours"]],
                peer,
                "commands/s",
                label.replace("on the bare stack", "vs our whole stack"),
                rounds,
            )
        )
        if f"logux_{name}_ours_bare" in rps:
            rows.append(
                _row(
                    f"logux_{name}_bare_commands_per_s",
                    [r * per_request for r in rps[f"logux_{name}_ours_bare"]],
                    peer,
                    "commands/s",
                    label,
                    rounds,
                )
            )
    return rows


def _save_rows(ctx, rounds, saves, ours_pg, peer_hooks, peer_bare):
    """Interleaved subprocess measurements of saves; each round: 0, 1 and 3 hooks enabled."""
    configure = {"ours": (ours_pg, CONFIGURE_OURS), "infi": (peer_hooks, CONFIGURE_INFI)}
    times = {(side, n): [] for side in configure for n in (0, 1, 3)}
    floor = []
    for round_number in range(rounds):
        ctx.log(f"  saves round {round_number + 1}/{rounds}")
        sides = list(configure) if round_number % 2 == 0 else list(reversed(configure))
        for enabled in (0, 1, 3):
            for side in sides:
                side_env, code = configure[side]
                side_env.python(code, str(enabled))
                times[(side, enabled)].append(side_env.python(SAVES, side, str(saves)))
        floor.append(peer_bare.python(SAVES, "bare", str(saves)))

    def series(side, enabled, key):
        return [t[key] for t in times[(side, enabled)]]

    infi = peer_sites.PEER_LABELS["hooks"]
    rows = [
        _row(
            "save_unhooked_model_own_transaction",
            series("ours", 3, "plain_own"),
            series("infi", 3, "plain_own"),
            "µs/save",
            f"{infi}, 3 hooks on another model (lower is better)",
            rounds,
        ),
        _row(
            "save_unhooked_model_vs_no_hook_app",
            series("ours", 3, "plain_own"),
            [t["plain_own"] for t in floor],
            "µs/save",
            "the same save with no hook app installed (bare Django)",
            rounds,
        ),
        _row(
            "save_unhooked_model_one_transaction",
            series("ours", 3, "plain_batch"),
            series("infi", 3, "plain_batch"),
            "µs/save",
            f"{infi}, {saves} saves in one transaction (lower is better)",
            rounds,
        ),
        _row(
            "save_1_hook",
            series("ours", 1, "hooked_own"),
            series("infi", 1, "hooked_own"),
            "µs/save",
            f"{infi} (lower is better)",
            rounds,
        ),
        _row(
            "save_3_hooks",
            series("ours", 3, "hooked_own"),
            series("infi", 3, "hooked_own"),
            "µs/save",
            f"{infi} (lower is better)",
            rounds,
        ),
    ]
    over = {
        side: [
            h / u
            for h, u in zip(
                series(side, 3, "hooked_own"), series(side, 0, "hooked_own"), strict=True
            )
        ]
        for side in configure
    }
    rows.append(
        _row(
            "save_3_hooks_over_unhooked",
            over["ours"],
            over["infi"],
            "x",
            f"{infi}'s own ratio (lower is better; goal: ours at most 1.5x)",
            rounds,
        )
    )
    return rows


@contextlib.contextmanager
def _databases(count):
    """``count`` fresh PostgreSQL databases (dropped afterwards)."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(bakery.temporary_postgres_database("peers")) for _ in range(count)
        ]


@register("peers")
def peers_benchmark(ctx):
    """Ours against the upstream libraries, same run: heartbeat, middleware, Logux, saves."""
    rounds = ctx.repetitions(FULL_ROUNDS, QUICK_ROUNDS)
    saves = ctx.repetitions(400, 100)
    project, venv = load.prepared_project(ctx, "peers-")
    peer_sites.add_benchapp(project)
    (project / "benchpeers.py").write_text(OUR_SETTINGS)
    (project / "benchpeers_urls.py").write_text(OUR_URLS)
    pins = peer_sites.pinned_versions(venv)
    ctx.log(f"peers: virtualenvs under {peer_sites.PEERS_DIR} ({', '.join(pins)})")
    venvs = {name: peer_sites.peer_venv(name, pins) for name in peer_sites.PEER_PACKAGES}
    peer_project = peer_sites.write_peer_project(ctx.tempdir("peer-project-"))

    our_env = {
        "DJANGO_SETTINGS_MODULE": "benchpeers",
        "LOGUX_CONTROL_SECRET": SECRET,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    env = peer_sites.peer_env
    with _databases(3) as (ours_url, platform_url, hooks_url):
        ours = Side(project, venv, our_env)
        ours_pg = Side(project, venv, {**our_env, "DATABASE_URL": ours_url})
        peer_platform = Side(
            peer_project,
            venvs["platform"],
            env(peer_sites.PLATFORM_APPS, peer_sites.PLATFORM_MIDDLEWARE, sqlite="platform.db"),
        )
        peer_platform_pg = Side(
            peer_project,
            venvs["platform"],
            env(peer_sites.PLATFORM_APPS, peer_sites.PLATFORM_MIDDLEWARE, platform_url),
        )
        peer_logux = Side(
            peer_project,
            venvs["logux"],
            {**env(peer_sites.LOGUX_APPS, sqlite="logux.db"), "LOGUX_CONTROL_SECRET": SECRET},
        )
        peer_hooks = Side(
            peer_project, venvs["hooks"], env(peer_sites.HOOKS_APPS, database_url=hooks_url)
        )
        peer_bare = Side(peer_project, venvs["hooks"], env(database_url=hooks_url))
        for side in (ours, ours_pg, peer_platform, peer_platform_pg, peer_logux, peer_hooks):
            side.python(MIGRATE)
        rows = _save_rows(ctx, rounds + 2, saves, ours_pg, peer_hooks, peer_bare)
        rows[:0] = _http_rows(
            ctx,
            rounds,
            ours,
            ours_pg,
            peer_platform,
            peer_platform_pg,
            peer_logux,
            _logux_bodies(project),
        )
    for row in rows:
        ctx.log(
            f"peers: {row.name}: ours {row.value:,.1f} {row.unit}, "
            f"peer {row.baseline:,.1f} ({row.ratio:.2f}x)"
        )
    return rows
