"""The default bake against a real PostgreSQL, configured as its CI workflow does."""

import pytest

from . import bakery


@pytest.mark.fast
@pytest.mark.xdist_group("defaults")
def test_defaults_bake_migrates_and_passes_its_tests_on_postgresql(baked, postgres_database):
    bake = baked("defaults")
    env = bakery.clean_env(**bakery.PRODUCTION_ENV, DATABASE_URL=postgres_database)
    bake.manage("migrate", "--noinput", env=env)
    vendor = bake.manage(
        "shell", "-c", "from django.db import connection; print(connection.vendor)", env=env
    )
    assert vendor.stdout.strip().splitlines()[-1] == "postgresql"
    # The task_queue tests run their web process and worker on a SQLite database of their
    # own whatever DATABASE_URL says: the default bake's run has them already.
    result = bake.run(
        bake.venv.python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not task_queue",
        env=env,
    )
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout
