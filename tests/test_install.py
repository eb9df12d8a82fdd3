"""The default bake installs into a brand-new virtualenv and serves under gunicorn."""

import re
import urllib.request
import uuid

import pytest

from . import bakery


@pytest.mark.timeout(900)
def test_fresh_install_then_gunicorn_serves_admin_and_static_files(tmp_path):
    project = bakery.bake(tmp_path)
    # The project's own set-up command: creates .venv and runs pip install -e '.[dev]'.
    bakery.run(["make", "install"], cwd=project, timeout=900)
    venv = bakery.Virtualenv(project / ".venv")
    env = bakery.clean_env(**bakery.PRODUCTION_ENV)
    bakery.run([venv.python, "manage.py", "migrate", "--noinput"], cwd=project, env=env)
    bakery.run([venv.python, "manage.py", "collectstatic", "--noinput"], cwd=project, env=env)

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
    # gunicorn's access log line for the login page carries the request's id.
    access_log = bakery.gunicorn_log(project, base_url.rsplit(":", 1)[1]).read_text()
    [line] = [
        line
        for line in access_log.splitlines()
        if "GET /admin/login/" in line and "200" in line and correlation_id in line
    ]
    assert f"correlation_id={correlation_id}" in line
