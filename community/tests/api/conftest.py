import pytest
from rest_framework.test import APIClient

from community.tests.api.helpers import signed_in


@pytest.fixture
def api():
    """A signed-out API client."""
    return APIClient()


@pytest.fixture
def alice_api(alice):
    return signed_in(alice)


@pytest.fixture
def bob_api(bob):
    return signed_in(bob)
