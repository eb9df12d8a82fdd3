"""Refresh the template's uv locks, one per task queue: ``make locks``.

Each is the lock of a bake with that queue and every other option on, so it
holds every package any combination can need; the post-generation hook cuts it
down to what the project's own pyproject.toml asks for. ``uv lock`` keeps the
versions already locked and resolves only what changed in the template's
pyproject.toml; ``make locks UPGRADE=1`` moves everything to the newest
releases the ranges allow.

    python -m tests.locks [--upgrade] [QUEUE ...]
"""

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from . import bakery

LOCKS_DIR = bakery.TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / ".locks"
QUEUES = json.loads((bakery.TEMPLATE_DIR / "cookiecutter.json").read_text())["task_executor"]


def refresh(queue, upgrade=False):
    with tempfile.TemporaryDirectory() as tmp:
        project = bakery.bake(Path(tmp), task_executor=queue)
        command = [bakery.UV, "lock", "--quiet", *(["--upgrade"] if upgrade else [])]
        bakery.run(command, cwd=project, env=bakery.clean_env(UV_NATIVE_TLS="1"), timeout=600)
        shutil.copyfile(project / "uv.lock", LOCKS_DIR / f"{queue}.lock")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="newest allowed releases")
    parser.add_argument("queues", nargs="*", metavar="QUEUE", help=", ".join(QUEUES))
    args = parser.parse_args(argv)
    if unknown := set(args.queues) - set(QUEUES):
        parser.error(f"unknown queue(s) {', '.join(sorted(unknown))}: use {', '.join(QUEUES)}")
    for queue in args.queues or QUEUES:
        refresh(queue, args.upgrade)
        print(f"{LOCKS_DIR.relative_to(bakery.TEMPLATE_DIR) / queue}.lock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
