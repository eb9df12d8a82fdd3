"""The bakes whose generated test suite runs, and what only a bake can show.

Every combination of the prompts is baked and checked statically by
test_matrix.py. Here the defaults and each task queue run their whole
generated suite (one per dependency set; the defaults on PostgreSQL in
test_postgres.py; the queues without the tests of QUEUE_INDEPENDENT
capabilities), and the variants whose options change code paths run the
generated tests of the capabilities those options touch, chosen by marker.

Tests of one entry share its bake: ``--dist loadgroup`` keeps them on one
xdist worker, and the ``baked`` fixture bakes each entry once per worker.
"""

import re
import subprocess
import tomllib

import pytest

from . import bakery, options
from .conftest import MATRIX, require_service

# Bakes that run their whole generated suite here (the defaults do, on PostgreSQL).
WHOLE_SUITE = [name for name in MATRIX if name.startswith("queue-")]
FOCUSED = [name for name in MATRIX if name != "defaults" and name not in WHOLE_SUITE]


def entries(*names):
    return [pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in names]


def run_generated_suite(bake, *args, env=None):
    """Run the bake's own pytest; assert it ran tests, all passing, none skipped."""
    if (bake.path / "tests/test_worker.py").exists() and bake.answers.get(
        "task_executor", "celery"
    ) in {"celery", "huey", "dramatiq"}:
        error = bakery.redis_unreachable()
        if error:
            require_service("Redis", error)
    result = bake.run(
        bake.venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, env=env
    )
    assert re.search(r"\d+ passed", result.stdout)
    assert "skipped" not in result.stdout
    return result


def registered_markers(bake):
    """The markers the bake's pyproject.toml registers for pytest."""
    config = tomllib.loads((bake.path / "pyproject.toml").read_text())["tool"]["pytest"]
    return {line.split(":", 1)[0] for line in config["ini_options"]["markers"]}


# Markers of tests whose code paths and settings are the same whatever the queue:
# the Logux back-end, and the slow tests marked defaults_only (the same whatever
# the answers). The defaults run them (on PostgreSQL), and the Logux tests also run
# in the bakes whose options touch them; again in every bake would prove nothing new.
QUEUE_INDEPENDENT = ("logux", "defaults_only")


@pytest.mark.parametrize("name", entries(*WHOLE_SUITE))
def test_generated_test_suite_passes(baked, name):
    bake = baked(name)
    skip = [m for m in QUEUE_INDEPENDENT if m in registered_markers(bake)]
    run_generated_suite(bake, *(["-m", " and ".join(f"not {m}" for m in skip)] if skip else []))


@pytest.mark.parametrize("name", entries(*FOCUSED))
def test_generated_tests_of_the_touched_capabilities_pass(baked, name):
    bake = baked(name)
    # A capability switched off has no tests, and its marker is not registered.
    markers = [m for m in options.markers_for(bake.answers) if m in registered_markers(bake)]
    assert markers, f"{name} touches no capability: it belongs in the matrix only"
    run_generated_suite(bake, "-m", f"({' or '.join(markers)}) and not defaults_only")


@pytest.mark.fast
@pytest.mark.parametrize("name", entries("defaults"))
def test_every_generated_test_carries_a_capability_marker(baked, name):
    """Focused runs select by marker, so a test module without one would never run there."""
    bake = baked(name)
    unmarked = " or ".join(options.MARKERS)
    command = [bake.venv.python, "-m", "pytest", "--collect-only", "-q", "-m", f"not ({unmarked})"]
    collected = subprocess.run(
        command, cwd=bake.path, env=bakery.clean_env(), capture_output=True, text=True, check=False
    )
    assert collected.returncode == 5, collected.stdout[-3000:]  # 5: no test selected


@pytest.mark.parametrize("name", entries("defaults"))
def test_deployment_checks_flag_the_development_celery_broker(baked, name):
    bake = baked(name)
    env = bakery.clean_env(**bakery.PRODUCTION_ENV, CELERY_BROKER_URL="filesystem://localhost//")
    result = bake.manage("check", "--deploy", env=env)
    assert "airlock.W001" in result.stderr + result.stdout


ENV_READ = re.compile(r"""(?:env\.\w+|_int|_bool|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


@pytest.mark.parametrize(
    "name", entries("defaults", "queue-django-q", "queue-huey", "queue-dramatiq")
)
def test_every_environment_variable_is_documented(baked, name):
    """Each variable the settings or gunicorn read is in README, .env.example and docs/."""
    project = baked(name).path
    sources = (project / "config/settings.py").read_text() + (
        project / "gunicorn.conf.py"
    ).read_text()
    variables = set(ENV_READ.findall(sources))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "PORT", "GUNICORN_TIMEOUT"} <= variables
    documents = {
        "README.md": (project / "README.md").read_text(),
        ".env.example": (project / ".env.example").read_text(),
        "docs/configuration.md": (bakery.TEMPLATE_DIR / "docs/configuration.md").read_text(),
    }
    missing = {
        document: sorted(v for v in variables if v not in text)
        for document, text in documents.items()
        if any(v not in text for v in variables)
    }
    assert not missing, f"undocumented environment variables: {missing}"
