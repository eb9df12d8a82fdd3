"""The Logux back-end against the real Logux server and client from npm, end to end.

@logux/server 0.13.1 (the last release with back-end mode) proxies to the
sync-queue bake under gunicorn on PostgreSQL; a @logux/client 0.21.1 script
(tests/logux_node/client.mjs) is refused with a bad token, authenticates two
users with tokens from ``issue_token``, subscribes to the example's
``orders/<id>`` channel and gets its ``load`` action, changes the order's
status (approved, and resent to the other subscribed client), is refused an
action on an order that does not exist (undone as ``denied``), and receives an
action the back-end sends with ``add()``. The official back-end conformance
suite, @logux/backend-test 4.0.16, runs against the same bake in development
(DEBUG on, its fixed secret ``parole``) with the suite's reference commands
(tests/logux_node/conformance.py) and the shipped settings otherwise. Node
packages are installed into .cache/logux-node (``npm ci``), outside the
generated project.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from . import bakery
from .conftest import require_service

NODE_SOURCES = Path(__file__).parent / "logux_node"
NODE_DIR = bakery.TEMPLATE_DIR / ".cache" / "logux-node"
SECRET = "e2e-logux-control-secret-0123456789"


def node_project():
    """The npm packages (npm ci from the committed lock file) and the scripts, ready to run."""
    if not (shutil.which("node") and shutil.which("npm")):
        require_service("Node.js and npm (Debian packages nodejs, npm)", "not on PATH")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    lock = (NODE_SOURCES / "package-lock.json").read_bytes()
    installed = NODE_DIR / "node_modules" / ".package-lock.json"
    if not installed.exists() or (NODE_DIR / "package-lock.json").read_bytes() != lock:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NODE_SOURCES / name, NODE_DIR / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    for name in ("server.mjs", "client.mjs"):
        shutil.copy(NODE_SOURCES / name, NODE_DIR / name)
    return NODE_DIR


def node_env(**extra):
    """Only what Node needs: the Logux server refuses any LOGUX_* variable it does not know."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **extra}


SETUP = """
import json
from django.contrib.auth import get_user_model
from django.apps import apps
from {slug}.platform.logux import issue_token
User = get_user_model()
a = User.objects.create_user("logux-a", is_staff=True)
b = User.objects.create_user("logux-b", is_staff=True)
order = apps.get_model("example", "Order").objects.create(
    reference="E2E-1", customer_email="e2e@example.com", total="9.90")
print(json.dumps({{
    "a": {{"userId": str(a.pk), "token": issue_token(a)}},
    "b": {{"userId": str(b.pk), "token": issue_token(b)}},
    "orderId": order.pk,
}}))
"""

ADD = """
from {slug}.platform.logux import add
add({{"type": "orders/note", "id": {order}, "text": "packed"}}, {{"channels": ["orders/{order}"]}})
"""


@pytest.mark.xdist_group("queue-sync")
def test_a_real_logux_server_and_client_talk_to_the_back_end(baked, postgres_database):
    node = node_project()
    bake = baked("queue-sync")
    slug = bake.path.name
    logux_port = bakery.free_port()
    env = bakery.clean_env(
        **{
            **bakery.PRODUCTION_ENV,
            "DATABASE_URL": postgres_database,
            "LOGUX_CONTROL_SECRET": SECRET,
            "LOGUX_URL": f"http://127.0.0.1:{logux_port}/",
        }
    )
    bakery.migrate_and_collectstatic(bake.path, bake.venv, env)
    setup = bake.manage("shell", "-c", SETUP.format(slug=slug), env=env)
    config = json.loads(setup.stdout.strip().splitlines()[-1])

    with bakery.gunicorn(bake.path, bake.venv, env=env, workers=2) as (base, web):
        bakery.wait_for_http(f"{base}/__lbheartbeat__", process=web)
        server = subprocess.Popen(
            ["node", "server.mjs"],
            cwd=node,
            env=node_env(
                LOGUX_BACKEND=f"{base}/logux/",
                LOGUX_CONTROL_SECRET=SECRET,
                LOGUX_HOST="127.0.0.1",
                LOGUX_PORT=str(logux_port),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # The Logux server answers GET /health on its HTTP (and WebSocket) port.
            bakery.wait_for_http(f"http://127.0.0.1:{logux_port}/health", process=server)
            client = subprocess.Popen(
                ["node", "client.mjs", f"ws://127.0.0.1:{logux_port}/", json.dumps(config)],
                cwd=node,
                env=node_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            steps = {}
            for line in client.stdout:
                step = json.loads(line)
                steps[step["step"]] = step
                if step["step"] == "waiting-for-add":
                    bake.manage(
                        "shell", "-c", ADD.format(slug=slug, order=config["orderId"]), env=env
                    )
            client.wait(timeout=60)
            assert client.returncode == 0, (steps, client.stderr.read())
        finally:
            server.terminate()
            server.wait(timeout=15)

    order_id = config["orderId"]
    assert steps["bad-token"]["error"] == "wrong-credentials"
    assert "authenticated" in steps
    assert steps["loaded"]["action"] == {
        "type": "orders/state",
        "id": order_id,
        "reference": "E2E-1",
        "status": "new",
        "total": "9.90",
    }
    assert "approved" in steps
    assert steps["resent"]["action"] == {"type": "orders/status", "id": order_id, "status": "paid"}
    assert steps["forbidden"]["reason"] == "denied"
    assert steps["received-add"]["action"] == {
        "type": "orders/note",
        "id": order_id,
        "text": "packed",
    }
    status = bake.manage(
        "shell",
        "-c",
        "from django.apps import apps; "
        f"print(apps.get_model('example', 'Order').objects.get(pk={order_id}).status)",
        env=env,
    )
    assert status.stdout.split()[-1] == "paid"


CONFORMANCE_TESTS = 21  # @logux/backend-test 4.0.16: auth, actions, channels, protocol


@pytest.mark.xdist_group("queue-sync")
def test_the_official_back_end_conformance_suite_passes(baked, postgres_database):
    """21 of 21 through gunicorn with 2 workers and no Redis: its brute-force test (the
    last) needs the wrong-secret count shared between the workers."""
    node = node_project()
    bake = baked("queue-sync")
    slug = bake.path.name
    module = bake.path / slug / "logux_conformance.py"
    shutil.copy(NODE_SOURCES / "conformance.py", module)
    try:
        result, log = _run_conformance(bake, slug, node, postgres_database)
    finally:
        module.unlink()
    report = f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}\n--- gunicorn\n{log[-4000:]}"
    assert result.returncode == 0, report
    # The suite's spinner reports each test on stderr.
    passed = re.findall(r"^✔ +(\d+) ", result.stdout + result.stderr, re.M)
    assert len(set(passed)) == CONFORMANCE_TESTS, report


def _run_conformance(bake, slug, node, database_url):
    env = {
        "DJANGO_DEBUG": "true",  # lets the suite's 6-character secret start (logux.W001)
        "DATABASE_URL": database_url,
        "LOGUX_CONTROL_SECRET": "parole",
        "LOGUX_AUTH_FUNC": f"{slug}.logux_conformance.auth",
        # The suite's own Logux server, which users/clean's add() reaches.
        "LOGUX_URL": "http://localhost:31337/",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_READ_DOT_ENV_FILE": "false",
    }
    bakery.migrate_and_collectstatic(bake.path, bake.venv, bakery.clean_env(**env))
    with bakery.gunicorn(bake.path, bake.venv, env=env, workers=2) as (base, web):
        bakery.wait_for_http(f"{base}/__lbheartbeat__", process=web)
        result = subprocess.run(
            # Without the slash, as the suite's README writes it: /logux answers too.
            ["node", "node_modules/@logux/backend-test/bin.js", f"{base}/logux"],
            cwd=node,
            env=node_env(NO_COLOR="1"),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    return result, bakery.gunicorn_log(bake.path, base.rsplit(":", 1)[1]).read_text()
