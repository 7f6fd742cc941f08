import pytest
from rest_framework.test import APIClient

from community.tests.api.helpers import signed_in

# The browser tests' Chromium, live server and error-catching page, for the
# API's pages (test_docs_in_browser.py).
from community.tests.browser.conftest import (  # noqa: F401
    base_url,
    browser_context_args,
    browser_type_launch_args,
    js_errors,
    log_in,
    page,
)


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
