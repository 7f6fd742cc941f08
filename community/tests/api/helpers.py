"""What the API tests share besides fixtures."""

from rest_framework.test import APIClient

ERROR_KEYS = {"status", "code", "detail", "fields"}


def signed_in(user, **options) -> APIClient:
    """An API client of its own, signed in as `user` (for tests with several people at once)."""
    client = APIClient(**options)
    client.force_login(user)
    return client


def error(response, status: int, code: str | None = None) -> dict:
    """Assert that `response` is the API's error shape with `status` (and `code`); return its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body
