"""Every entry of the bake matrix generates a clean project whose own checks pass.

Tests of one entry share its bake: ``--dist loadgroup`` keeps them on one
xdist worker, and the ``baked`` fixture bakes each entry once per worker.
"""

import json
import re
import tomllib

import pytest

from . import bakery
from .conftest import MATRIX, require_service

# Files whose job is to carry template-like syntax: the recorded answers, and
# GitHub Actions expressions (${{ ... }}).
CARRIERS = {".cruft.json", ".github/workflows/ci.yml"}
# Made by running the project's tools, not by the template.
TOOL_DIRS = {".venv", ".ruff_cache", ".pytest_cache", "__pycache__"}
LEFTOVER = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")
# HTTP hooks' payload templates are Django templates: these files (and the
# example app's demo hook) show and test that syntax on purpose (they are
# copied without rendering); only a Jinja variable would be a leftover there.
DJANGO_TEMPLATE_FILES = re.compile(
    r"(^|/)(platform/http_hooks/|tests/test_http_hooks|example/webhooks\.py)"
)
COOKIECUTTER_LEFTOVER = re.compile(r"cookiecutter\.")


def bakery_defaults():
    """The answers of a bake with no overrides (the first entry of each choice)."""
    defaults = json.loads((bakery.TEMPLATE_DIR / "cookiecutter.json").read_text())
    answers = {k: (v[0] if isinstance(v, list) else v) for k, v in defaults.items()}
    answers["project_slug"] = "my_service"
    return answers


def entries(*names):
    names = names or tuple(MATRIX)
    return [pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in names]


def text_files(root):
    for path in sorted(root.rglob("*")):
        if path.is_file() and not TOOL_DIRS.intersection(path.relative_to(root).parts):
            try:
                yield path, path.read_text()
            except UnicodeDecodeError:
                continue


@pytest.mark.parametrize("name", entries())
def test_no_template_leftovers(baked, name):
    project = baked(name).path
    found = [
        f"{path.relative_to(project)}: {match.group(0)!r}"
        for path, text in text_files(project)
        if str(path.relative_to(project)) not in CARRIERS
        for pattern in [
            COOKIECUTTER_LEFTOVER
            if DJANGO_TEMPLATE_FILES.search(str(path.relative_to(project)))
            else LEFTOVER
        ]
        for match in [pattern.search(text)]
        if match
    ]
    assert not found, "unrendered template syntax:\n" + "\n".join(found)
    leftover_dirs = [
        p
        for p in project.rglob("*")
        if p.is_dir() and not any(p.iterdir()) and not TOOL_DIRS.intersection(p.parts)
    ]
    assert not leftover_dirs, f"empty folders left behind: {leftover_dirs}"
    assert not (project / ".licenses").exists()


@pytest.mark.parametrize("name", entries())
def test_unselected_options_leave_nothing_behind(baked, name):
    bake = baked(name)
    answers = {**bakery_defaults(), **bake.answers}
    project = bake.path
    slug = answers["project_slug"]
    # The platform's guid app always ships SentryIntegration (its public API);
    # the project's own files mention Sentry only when it was chosen.
    configuration = "\n".join(
        (project / name).read_text()
        for name in ("pyproject.toml", "config/settings.py", ".env.example", "README.md")
    ).lower()

    docker_files = [
        "Dockerfile",
        ".dockerignore",
        "compose.yaml",
        "bin/docker-entrypoint.sh",
        "bin/healthcheck.py",
    ]
    for relative in docker_files:
        assert (project / relative).exists() is answers["use_docker"], relative
    assert (project / ".github/workflows/ci.yml").exists() is (answers["ci"] == "github")
    assert (project / slug / "example").exists() is answers["include_example"]
    assert ('"' + slug + '.example"' in (project / "config/settings.py").read_text()) is answers[
        "include_example"
    ]
    assert ("sentry" in configuration) is answers["use_sentry"]
    assert (project / "tests/test_sentry.py").exists() is answers["use_sentry"]

    queue = answers["task_executor"]
    queue_packages = {
        "celery": "celery",
        "django_q": "django-q2",
        "django_tasks": "django-tasks",
        "dramatiq": "dramatiq",
        "huey": "huey",
    }
    dependencies = (project / "pyproject.toml").read_text()
    for executor, package in queue_packages.items():
        chosen = executor == queue
        for module in (
            f"{slug}/platform/airlock/executors/{executor}.py",
            f"{slug}/platform/guid/integrations/{executor}.py",
        ):
            assert (project / module).exists() is chosen, module
        assert (f'"{package}' in dependencies) is chosen, package
    assert (project / "config/celery.py").exists() is (queue == "celery")
    for relative in ("tests/test_worker.py", "tests/worker_effects.py", "tests/settings_worker.py"):
        assert (project / relative).exists() is (queue != "sync"), relative
    assert ("worker:" in (project / "Makefile").read_text()) is (queue != "sync")

    hooks = answers["use_http_hooks"]
    for relative in (
        f"{slug}/platform/http_hooks",
        "tests/test_http_hooks.py",
        "tests/test_http_hooks_delivery.py",
    ):
        assert (project / relative).exists() is hooks, relative
    receiver = (project / "tests/webhook_receiver.py").exists()
    assert receiver is (hooks or answers["use_logux"])
    assert ("http_hooks" in configuration) is hooks
    assert ('"aiohttp' in dependencies) is hooks
    assert ('"standardwebhooks' in dependencies) is hooks
    project_text = "\n".join(
        path.read_text(errors="replace")
        for path in project.rglob("*")
        if path.is_file() and ".venv" not in path.parts and path.suffix in {".py", ".md", ".toml"}
    )
    assert ("http_hooks" in project_text) is hooks

    logux = answers["use_logux"]
    for relative in (f"{slug}/platform/logux", "tests/test_logux.py"):
        assert (project / relative).exists() is logux, relative
    assert ('"httpx' in dependencies) is logux
    assert ('"semantic-version' in dependencies) is logux
    everything = project_text + "\n".join(
        (project / name).read_text()
        for name in (
            ".env.example",
            "Makefile",
            "Dockerfile",
            "compose.yaml",
            ".github/workflows/ci.yml",
        )
        if (project / name).exists()
    )
    assert ("logux" in everything.lower()) is logux

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    license_file = project / "LICENSE"
    if answers["open_source_license"] == "Not open source":
        assert not license_file.exists()
        assert "license" not in pyproject
        assert "Private :: Do Not Upload" in pyproject["classifiers"]
    else:
        assert pyproject["license"] == answers["open_source_license"]
        first_line = {
            "MIT": "MIT License",
            "BSD-3-Clause": "BSD 3-Clause License",
            "Apache-2.0": "Apache License",
            "GPL-3.0-or-later": "GNU GENERAL PUBLIC LICENSE",
        }[answers["open_source_license"]]
        assert first_line in "\n".join(license_file.read_text().splitlines()[:5])


@pytest.mark.parametrize("name", entries())
def test_answers_reach_the_project(baked, name):
    bake = baked(name)
    answers = {**bakery_defaults(), **bake.answers}
    project = bake.path
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["name"] == answers["project_slug"].replace("_", "-")
    assert pyproject["version"] == answers["version"]
    assert pyproject["description"] == answers["description"]
    assert pyproject["authors"] == [{"name": answers["author_name"], "email": answers["email"]}]
    assert (project / answers["project_slug"] / "__init__.py").exists()
    readme = (project / "README.md").read_text()
    assert readme.startswith(f"# {answers['project_name']}\n")


@pytest.mark.parametrize("name", entries("custom-answers"))
def test_platform_modules_never_name_the_project(baked, name):
    """Platform apps are shared by every project: relative imports only, no slug."""
    bake = baked(name)
    slug = bake.answers["project_slug"]
    platform = bake.path / slug / "platform"
    assert (platform / "guid" / "apps.py").exists()
    naming = [
        str(path.relative_to(bake.path)) for path, text in text_files(platform) if slug in text
    ]
    assert not naming, f"platform modules mention {slug!r}: {naming}"


@pytest.mark.parametrize("name", entries())
def test_ruff_is_clean(baked, name):
    bake = baked(name)
    bake.run(bake.venv.bin / "ruff", "check", ".")
    bake.run(bake.venv.bin / "ruff", "format", "--check", ".")


@pytest.mark.parametrize("name", entries())
def test_deployment_checks_pass_with_production_settings(baked, name):
    bake = baked(name)
    result = bake.manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=bakery.clean_env(**bakery.PRODUCTION_ENV, REDIS_URL=bakery.REDIS_URL),
    )
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("name", entries("defaults"))
def test_deployment_checks_flag_the_development_celery_broker(baked, name):
    bake = baked(name)
    env = bakery.clean_env(**bakery.PRODUCTION_ENV, CELERY_BROKER_URL="filesystem://localhost//")
    result = bake.manage("check", "--deploy", env=env)
    assert "airlock.W001" in result.stderr + result.stdout


@pytest.mark.parametrize("name", entries())
def test_migrations_are_in_sync_and_apply_to_a_fresh_database(baked, name, tmp_path):
    bake = baked(name)
    env = bakery.clean_env(
        **bakery.PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    )
    bake.manage("makemigrations", "--check", "--dry-run", env=env)
    bake.manage("migrate", "--noinput", env=env)
    applied = bake.manage("showmigrations", "--plan", env=env).stdout
    assert "[ ]" not in applied
    assert "users.0001_initial" in applied


@pytest.mark.parametrize("name", entries())
def test_generated_test_suite_passes(baked, name):
    bake = baked(name)
    if (bake.path / "tests/test_worker.py").exists() and bake.answers.get(
        "task_executor", "celery"
    ) in {"celery", "huey", "dramatiq"}:
        error = bakery.redis_unreachable()
        if error:
            require_service("Redis", error)
    result = bake.run(bake.venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert re.search(r"\d+ passed", result.stdout)
    assert "skipped" not in result.stdout


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
