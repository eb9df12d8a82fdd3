"""CeleryIntegration's arguments are checked when it is constructed (at startup)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from .conftest import platform_module

pytestmark = pytest.mark.guid

CeleryIntegration = platform_module("guid", "integrations.celery").CeleryIntegration


@pytest.mark.parametrize("length", [True, False, 0, 33, 12.0, "12"])
def test_uuid_length_must_be_a_whole_number_from_1_to_32(length):
    with pytest.raises(ImproperlyConfigured, match="uuid_length must be an int from 1 to 32"):
        CeleryIntegration(uuid_length=length)


@pytest.mark.parametrize("length", [1, 12, 32])
def test_uuid_length_sets_the_length_of_task_run_ids(length):
    assert len(CeleryIntegration(uuid_length=length)._run_id()) == length
