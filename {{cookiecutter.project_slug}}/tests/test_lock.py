"""uv.lock pins what the image installs: it must say what pyproject.toml asks for."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import PROJECT_DIR

pytestmark = pytest.mark.project

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def test_the_lock_matches_pyproject():
    """What the generated CI checks too; `make lock` updates the lock after an edit."""
    assert UV, "uv comes with the dev dependencies: pip install -e '.[dev]'"
    result = subprocess.run(
        [UV, "lock", "--check", "--offline"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_locked_file_has_a_hash():
    """uv checks each download against these hashes (the image's install included)."""
    lock = tomllib.loads((PROJECT_DIR / "uv.lock").read_text())
    for package in lock["package"]:
        if "registry" not in package["source"]:
            continue
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files, package["name"]
        assert all(f["hash"].startswith("sha256:") for f in files), package["name"]
