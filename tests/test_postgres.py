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
    result = bake.run(bake.venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", env=env)
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout
