"""The Logux back-end under load: commands per second through gunicorn.

A default bake is served by one sync gunicorn worker (pinned to the first
core) and loaded from the other core, alternating variants with a fresh server
each time (see load.py): a trivial POST view (the baseline), then /logux/ with
requests of 1 and of 20 action commands (a registered action whose access()
allows it and whose process() does nothing: what users write, so each command
goes through the transaction and airlock scope every real action has), of 20
actions without a process(), and of 20 auth commands checked by the default
auth function (a signed token, one query per command).

Targets: with 20-command requests, at least 12x as many commands per second as
the trivial view's requests per second; a 1-command request at most 1.2x the
cost of a trivial POST (so at least 1/1.2 = 0.83x its requests per second).
"""

import json
import textwrap

from . import load
from .common import Result, bakery, median, register

FULL_ROUNDS = 6
QUICK_ROUNDS = 2
SECRET = "bench-logux-control-secret-0123456789"
TRIVIAL = "trivial POST view's req/s, same project"

SETTINGS = textwrap.dedent(
    """
    from benchsite import *  # noqa: F403

    ROOT_URLCONF = "benchlogux_urls"
    """
)
URLS = textwrap.dedent(
    """
    \"\"\"Benchmark URLconf: the trivial views, /logux/, and two cheap registered actions.\"\"\"

    import importlib

    from django.apps import apps
    from django.urls import include, path

    from benchsite import urlpatterns as trivial_patterns

    logux = importlib.import_module(apps.get_app_config("logux").module.__name__)


    class Ping(logux.ActionCommand):
        action_type = "bench/ping"

        def access(self, action, meta):
            return True

        def process(self, action, meta):
            pass


    class Empty(logux.ActionCommand):
        action_type = "bench/empty"

        def access(self, action, meta):
            return True


    for command in (Ping, Empty):
        if command.action_type not in logux.logux.actions:
            logux.logux.actions.register(command)
    urlpatterns = [
        *trivial_patterns,
        path("logux/", include(apps.get_app_config("logux").module.__name__ + ".urls")),
    ]
    """
)
TOKEN = """
import importlib, django
django.setup()
from django.apps import apps
from django.contrib.auth import get_user_model
logux = importlib.import_module(apps.get_app_config("logux").module.__name__)
user, _ = get_user_model().objects.get_or_create(username="bench-logux")
print(user.pk, logux.issue_token(user))
"""


def _action(n, action_type="bench/ping"):
    meta = {"id": f"1700000000000 10:bench {n}", "time": 1700000000000, "subprotocol": "1.0.0"}
    return {"command": "action", "action": {"type": action_type}, "meta": meta, "headers": {}}


def _auth(n, user_id, token):
    return {
        "command": "auth",
        "authId": f"a{n}",
        "userId": user_id,
        "token": token,
        "subprotocol": "1.0.0",
        "cookie": {},
        "headers": {},
    }


@register("logux")
def logux_benchmark(ctx):
    """Logux commands/s (1 and 20 actions, 20 auths per request) vs. a trivial POST view."""
    rounds = ctx.repetitions(FULL_ROUNDS, QUICK_ROUNDS)
    project, venv = load.prepared_project(ctx, "logux-")
    (project / "benchlogux.py").write_text(SETTINGS)
    (project / "benchlogux_urls.py").write_text(URLS)
    env = {"DJANGO_SETTINGS_MODULE": "benchlogux", "LOGUX_CONTROL_SECRET": SECRET}
    token_run = bakery.run(
        [venv.python, "-c", TOKEN],
        cwd=project,
        env=bakery.clean_env(**{**bakery.PRODUCTION_ENV, **env}),
    )
    user_id, token = token_run.stdout.split()[-2:]

    bodies = {}
    for name, commands in (
        ("actions_1", [_action(0)]),
        ("actions_20", [_action(n) for n in range(20)]),
        ("actions_20_empty", [_action(n, "bench/empty") for n in range(20)]),
        ("auth_20", [_auth(n, user_id, token) for n in range(20)]),
    ):
        path = project / f"bench-{name}.json"
        path.write_text(json.dumps({"version": 4, "secret": SECRET, "commands": commands}))
        bodies[name] = path
    trivial_body = project / "bench-trivial.json"
    trivial_body.write_text("{}")
    variants = {
        "trivial": ("", "/trivial-post/", trivial_body),
        **{name: ("", "/logux/", body) for name, body in bodies.items()},
    }
    ctx.log(f"logux: {rounds} alternating rounds ({load.generator_name()})")
    runs = load.compare(ctx, project, venv, variants, rounds, env=env)
    trivial = [m.rps for m in runs["trivial"]]
    rows = []
    for name, per_request, label in (
        ("actions_1", 1, "1 action command per request"),
        ("actions_20", 20, "20 action commands per request"),
        ("actions_20_empty", 20, "20 action commands without process() per request"),
        ("auth_20", 20, "20 auth commands per request"),
    ):
        commands = [m.rps * per_request for m in runs[name]]
        rows.append(
            Result(
                f"logux.{name}_commands_per_s",
                median(commands),
                "commands/s",
                median(trivial),
                TRIVIAL,
                rounds,
                commands,
                trivial,
            )
        )
        ctx.log(f"logux: {label}: {median(commands):,.0f} commands/s")
    return rows
