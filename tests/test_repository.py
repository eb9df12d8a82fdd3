"""The template's own Python (hooks, tests, benchmarks) is lint-clean."""

import sys
from pathlib import Path

import pytest

from . import bakery

pytestmark = pytest.mark.fast

OWN_CODE = ["hooks", "tests", "benchmarks"]


def test_own_code_is_ruff_clean():
    ruff = Path(sys.executable).parent / "ruff"
    bakery.run([ruff, "check", *OWN_CODE], cwd=bakery.TEMPLATE_DIR)
    bakery.run([ruff, "format", "--check", *OWN_CODE], cwd=bakery.TEMPLATE_DIR)
