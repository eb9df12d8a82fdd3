"""The documentation site builds without a single warning."""

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
