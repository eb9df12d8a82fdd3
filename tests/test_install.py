"""The default bake installs into a brand-new virtualenv and serves under gunicorn."""

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from . import bakery


@pytest.mark.timeout(900)
def test_fresh_install_then_gunicorn_serves_admin_and_static_files(tmp_path):
    project = bakery.bake(tmp_path)
    # The project's own set-up command: creates .venv and runs pip install -e '.[dev]'.
    bakery.run(["make", "install"], cwd=project, timeout=900)
    # ...and writes a development version.json, so /__version__ answers from the start.
    assert set(json.loads((project / "version.json").read_text())) == {
        "source",
        "version",
        "commit",
        "build",
    }
    venv = bakery.Virtualenv(project / ".venv")
    env = bakery.clean_env(**bakery.PRODUCTION_ENV)
    bakery.migrate_and_collectstatic(project, venv, env)

    correlation_id = uuid.uuid4().hex
    with bakery.gunicorn(project, venv, workers=1) as (base_url, process):
        bakery.wait_for_http(f"{base_url}/admin/login/", process=process)
        login = urllib.request.Request(
            f"{base_url}/admin/login/", headers={"Correlation-ID": correlation_id}
        )
        with urllib.request.urlopen(login, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Correlation-ID"] == correlation_id
            page = response.read().decode()
        stylesheet = re.search(r'href="(/static/admin/css/[^"]+\.css)"', page).group(1)
        assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), "manifest (hashed) name expected"
        request = urllib.request.Request(base_url + stylesheet, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert "immutable" in response.headers["Cache-Control"]
            assert response.headers["Content-Encoding"] == "gzip"
        first_port = base_url.rsplit(":", 1)[1]
    # Production output is mozlog JSON only, gunicorn's own lines included, and the
    # login page is one line, the request summary carrying the request's id.
    records = bakery.mozlog_records(bakery.gunicorn_log(project, first_port).read_text())
    assert {"gunicorn.error", "request.summary"} <= {record["Type"] for record in records}
    [line] = bakery.request_lines(records, correlation_id)
    assert line["Type"] == "request.summary"
    assert (line["Fields"]["path"], line["Fields"]["code"]) == ("/admin/login/", 200)

    # Dockerflow through gunicorn with the production defaults (HTTPS redirect on):
    # probes with an IP as Host answer, other paths keep their protection.
    bakery.run([venv.python, "manage.py", "write_version_json"], cwd=project, env=env)
    strict = {"DJANGO_SECURE_SSL_REDIRECT": "true", "DJANGO_ALLOWED_HOSTS": "service.example.com"}
    with bakery.gunicorn(project, venv, env=strict) as (base_url, process):
        bakery.wait_for_http(f"{base_url}/__lbheartbeat__", process=process)
        for path in ("/__lbheartbeat__", "/__heartbeat__", "/__heartbeat__/"):
            assert http_status(base_url + path, host="10.0.0.7:8000") == 200, path
        assert http_status(base_url + "/admin/login/", host="10.0.0.7") == 400
        assert http_status(base_url + "/admin/login/", host="service.example.com") == 301
        assert http_status(base_url + "/__version__", host="service.example.com") == 301
        port = base_url.rsplit(":", 1)[1]
        healthcheck = bakery.clean_env(PORT=port)
        bakery.run([venv.python, project / "bin/healthcheck.py"], cwd=project, env=healthcheck)
    with bakery.gunicorn(project, venv) as (base_url, process):
        bakery.wait_for_http(f"{base_url}/__version__", process=process)
        with urllib.request.urlopen(f"{base_url}/__version__", timeout=10) as response:
            version = json.load(response)
    assert set(version) == {"source", "version", "commit", "build"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_status(url, host):
    """The status of a GET with this Host header, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(urllib.request.Request(url, headers={"Host": host}), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


ENQUEUE_AN_ORDER_CONFIRMATION = """
import django
django.setup()
from django.apps import apps
import importlib
package = apps.get_app_config("example").module.__name__
airlock = importlib.import_module(package.rsplit(".", 1)[0] + ".platform.airlock")
guid = importlib.import_module(package.rsplit(".", 1)[0] + ".platform.guid")
Order = apps.get_model("example", "Order")
tasks = importlib.import_module(package + ".tasks")
with guid.guid_scope("{correlation_id}"), airlock.scope():
    order = Order.objects.create(reference="E-1", customer_email="e1@example.com")
    airlock.enqueue(tasks.send_order_confirmation, order.pk)
"""


@pytest.mark.xdist_group("defaults")
@pytest.mark.timeout(300)
def test_make_worker_runs_effects_on_the_embedded_development_broker(baked, tmp_path):
    """`make demo` needs no server: Celery's filesystem:// broker carries the effect."""
    bake = baked("defaults")
    env = bakery.clean_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_READ_DOT_ENV_FILE="false",
        DJANGO_DEBUG="true",  # console email backend: the mail shows in the worker's log
        DJANGO_LOG_FORMAT="text",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    bake.manage("migrate", "--noinput", env=env)
    correlation_id = uuid.uuid4().hex
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            ["make", "--no-print-directory", "worker", f"BIN={bake.venv.bin}"],
            cwd=bake.path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            script = ENQUEUE_AN_ORDER_CONFIRMATION.format(correlation_id=correlation_id)
            bake.run(bake.venv.python, "-c", script, env=env)
            deadline = time.monotonic() + 90
            while "Confirmation for order E-1 sent" not in log_path.read_text():
                assert worker.poll() is None, log_path.read_text()[-4000:]
                assert time.monotonic() < deadline, log_path.read_text()[-4000:]
                time.sleep(0.2)
        finally:
            bakery.stop_process_group(worker)
    output = log_path.read_text()
    assert "Subject: Order E-1 received" in output
    sent = next(line for line in output.splitlines() if "Confirmation for order E-1" in line)
    assert correlation_id in sent
    assert (bake.path / ".celery/queue").is_dir()
