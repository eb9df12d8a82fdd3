"""The generation hooks: bad answers are refused cleanly, good ones are recorded."""

import json
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from . import bakery

pytestmark = pytest.mark.fast

COOKIECUTTER = Path(sys.executable).parent / "cookiecutter"


def generate(output_dir, *answers):
    return subprocess.run(
        [COOKIECUTTER, "--no-input", "-o", output_dir, bakery.TEMPLATE_DIR, *answers],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "project_slug=My-Service",
            "project_slug 'My-Service' is not a lowercase Python identifier",
        ),
        (
            "project_slug=1st_service",
            "project_slug '1st_service' is not a lowercase Python identifier",
        ),
        ("project_slug=class", "project_slug 'class' is not a lowercase Python identifier"),
        ("project_slug=" + "a" * 41, "is not a lowercase Python identifier: use 1 to 40"),
        ("project_slug=django", "project_slug 'django' would shadow"),
        ("project_slug=celery", "project_slug 'celery' would shadow"),
        ("project_slug=config", "project_slug 'config' would shadow"),
        ("project_slug=test", "project_slug 'test' would shadow"),
        ("project_slug=platform", "project_slug 'platform' would shadow"),
        ("project_slug=json", "project_slug 'json' would shadow"),
        ("email=not-an-email", "email 'not-an-email' is not an email address"),
        ("email=a b@example.com", "email 'a b@example.com' is not an email address"),
        ("version=one", "version 'one' is not a PEP 440 version"),
        ("domain_name=http://example.com", "domain_name 'http://example.com' is not"),
        ("timezone=Mars/Olympus", "timezone 'Mars/Olympus' is not an IANA time zone"),
        ("project_name= ", "project_name must not be empty"),
    ],
)
def test_bad_answers_fail_with_one_clear_line_and_leave_nothing(tmp_path, answer, message):
    # A blank project name would also derive a blank slug: give one so one line is expected.
    result = generate(tmp_path, "project_slug=svc", answer)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1, result.stderr
    assert message in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_every_bad_answer_is_reported_at_once(tmp_path):
    result = generate(tmp_path, "project_slug=django", "email=nope", "version=x")
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert [e.split()[1] for e in errors] == ["project_slug", "email", "version"]
    assert list(tmp_path.iterdir()) == []


def test_a_refusal_prints_the_command_that_retries_with_the_other_answers(tmp_path):
    result = generate(tmp_path, "project_name=Billing API", "project_slug=1bad", "use_docker=no")
    (hint,) = [line for line in result.stderr.splitlines() if "--no-input" in line]
    assert "replace <PROJECT_SLUG> and run:" in result.stderr
    words = shlex.split(hint.replace("<PROJECT_SLUG>", "billing_api"))
    assert words[:2] == ["cookiecutter", "--no-input"]
    assert set(words[3:]) == {
        "project_name=Billing API",
        "project_slug=billing_api",
        "use_docker=no",
    }
    out = tmp_path / "again"
    retried = subprocess.run(
        [COOKIECUTTER, *words[1:], "-o", out], capture_output=True, text=True, timeout=120
    )
    assert retried.returncode == 0, retried.stderr
    context = json.loads((out / "billing_api" / ".cruft.json").read_text())["context"]
    assert context["cookiecutter"]["use_docker"] is False


def test_each_project_gets_its_own_private_secret(tmp_path):
    first = bakery.bake(tmp_path / "one")
    second = bakery.bake(tmp_path / "two")

    def secret(project):
        lines = (project / ".env").read_text().splitlines()
        return next(
            line.split("=", 1)[1] for line in lines if line.startswith("DJANGO_SECRET_KEY=")
        )

    assert len(secret(first)) >= 50
    assert secret(first) != secret(second)
    assert stat.S_IMODE((first / ".env").stat().st_mode) == 0o600
    assert "DJANGO_DEBUG=true" in (first / ".env").read_text().splitlines()
    # .env.example keeps its blank secret: it is committed.
    assert "DJANGO_SECRET_KEY=" in (first / ".env.example").read_text().splitlines()
    assert ".env" in (first / ".gitignore").read_text().splitlines()


def test_answers_are_recorded_for_cruft_update(tmp_path):
    project = bakery.bake(tmp_path, project_name="Billing API", use_docker=False)
    record = json.loads((project / ".cruft.json").read_text())
    context = record["context"]["cookiecutter"]
    assert context["project_name"] == "Billing API"
    assert context["project_slug"] == "billing_api"
    assert context["use_docker"] is False
    assert record["template"] == str(bakery.TEMPLATE_DIR)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=bakery.TEMPLATE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if head.returncode == 0:
        assert record["commit"] == head.stdout.strip()
    assert not {"_output_dir", "_repo_dir"} & context.keys()
