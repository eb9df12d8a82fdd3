"""The documentation site builds without a single warning."""

import re
import sys
from pathlib import Path

import pytest

from . import bakery

pytestmark = pytest.mark.fast


def test_docs_build_strict(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = bakery.run(
        [mkdocs, "build", "--strict", "--site-dir", tmp_path / "site"], cwd=bakery.TEMPLATE_DIR
    )
    assert (tmp_path / "site" / "index.html").exists(), result.stderr


def test_project_layout_shows_the_default_bake(tmp_path):
    """The tree in project-layout.md is the default bake's, file for file."""
    project = bakery.bake(tmp_path)
    text = (bakery.TEMPLATE_DIR / "docs/project-layout.md").read_text()
    block = text.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0] == f"{project.name}/", block[0]
    documented, folders = set(), []
    for line in block[1:]:
        match = re.fullmatch(r"((?:│   |    )*)[├└]── (\S+).*", line)
        assert match, f"not a tree line: {line!r}"
        depth = len(match.group(1)) // 4
        name = match.group(2)
        folders = folders[:depth]
        if name.endswith("/"):
            folders.append(name.removesuffix("/"))
        else:
            documented.add("/".join([*folders, name]))
    generated = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert documented == generated, {
        "documented, not generated": sorted(documented - generated),
        "generated, not documented": sorted(generated - documented),
    }
