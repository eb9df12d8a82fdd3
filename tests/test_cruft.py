"""A generated project follows the template with `cruft update`, and no secret leaks.

Each bake writes its own secrets into .env, so the two throwaway bakes a
`cruft update` diffs differ there: without care the update patches the
project's .env, leaves a `.env.rej` quoting secret lines (which `git add -A`
would commit) and changes the file's mode. Here a project is created with
`cruft create` from a git copy of the template, committed, the template is
changed and committed, and `cruft update` must bring exactly that change.
"""

import os
import shutil
import stat
import sys
from pathlib import Path

from . import bakery

CRUFT = Path(sys.executable).with_name("cruft")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".cache", ".venv", ".pytest_cache", ".ruff_cache", "__pycache__", "demo", "site"
)


def git(*args, cwd):
    return bakery.run(["git", *args], cwd=cwd, env=bakery.clean_env(**GIT_IDENTITY))


def committed_template(folder):
    """The template's working tree as a git repository of its own (cruft clones it)."""
    shutil.copytree(bakery.TEMPLATE_DIR, folder, ignore=NOT_TEMPLATE)
    git("init", "-q", "-b", "main", cwd=folder)
    git("add", "-A", cwd=folder)
    git("commit", "-q", "-m", "template", cwd=folder)
    return folder


def test_cruft_update_brings_template_changes_and_never_touches_dotenv(tmp_path):
    template = committed_template(tmp_path / "template")
    out = tmp_path / "out"
    out.mkdir()
    env = bakery.clean_env(**GIT_IDENTITY)
    bakery.run([CRUFT, "create", template, "--no-input", "--output-dir", out], cwd=out, env=env)
    (project,) = out.iterdir()
    dotenv = (project / ".env").read_bytes()
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "generated", cwd=project)
    assert ".env" not in git("ls-files", cwd=project).stdout.split()

    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA line the template added later.\n")
    git("commit", "-q", "-am", "template change", cwd=template)
    bakery.run([CRUFT, "update", "--skip-apply-ask"], cwd=project, env=env)

    assert "A line the template added later." in (project / "README.md").read_text()
    leftovers = [p.name for p in project.rglob("*") if p.suffix in {".rej", ".orig"}]
    assert leftovers == []
    assert (project / ".env").read_bytes() == dotenv
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    changed = git("status", "--porcelain", "--untracked-files=all", cwd=project).stdout.split("\n")
    assert sorted(line[3:] for line in changed if line) == [".cruft.json", "README.md"]
    # And whatever a patch might leave behind is never committed.
    (project / ".env.rej").write_text("DJANGO_SECRET_KEY=...\n")
    assert git("check-ignore", ".env.rej", "x.orig", cwd=project).stdout.split() == [
        ".env.rej",
        "x.orig",
    ]
    os.remove(project / ".env.rej")
