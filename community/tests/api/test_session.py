"""Signing in and out through the API: /api/v1/session/, with the site's CSRF and log-in throttle."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from community.models import Post
from community.tests.api.helpers import error
from community.tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/session/"


def browser_like(ip="192.0.2.10") -> APIClient:
    """A client that, like a browser, must send the CSRF token with unsafe methods."""
    return APIClient(enforce_csrf_checks=True, REMOTE_ADDR=ip)


def log_in(client, username, password):
    token = client.get(URL).json()["csrf_token"]
    return client.post(
        URL, {"username": username, "password": password}, format="json", HTTP_X_CSRFTOKEN=token
    )


def test_signed_out_the_session_has_no_user_and_sets_the_csrf_cookie(api):
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json()["user"] is None
    assert response.json()["csrf_token"]
    assert settings.CSRF_COOKIE_NAME in response.cookies


def test_signing_in_starts_a_session_the_site_shares(alice):
    client = browser_like()
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "alice"
    assert client.get(URL).json()["user"] == {
        "username": "alice",
        "url": "http://testserver/api/v1/users/alice/",
        "html_url": "http://testserver/u/alice/",
    }
    # The same cookie signs the reader in on the pages.
    assert 'href="/u/alice/"' in client.get("/").content.decode()
    # Signing in rotates the CSRF token: writes need the new one.
    token = response.json()["csrf_token"]
    assert (
        client.post("/api/v1/posts/", {"content": "hi"}, format="json", HTTP_X_CSRFTOKEN=token).status_code
        == 201
    )


def test_unsafe_methods_need_the_csrf_header(alice):
    client = browser_like()
    assert log_in(client, "alice", PASSWORD).status_code == 200
    body = error(client.post("/api/v1/posts/", {"content": "hi"}, format="json"), 403, "csrf_failed")
    assert "X-CSRFToken" in body["detail"]
    error(client.post("/api/v1/posts/", {"content": "hi"}, format="json", HTTP_X_CSRFTOKEN="x" * 64), 403)
    assert not Post.objects.exists()


def test_signing_in_needs_the_csrf_header_too(alice):
    client = browser_like()
    client.get(URL)
    response = client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
    error(response, 403, "csrf_failed")
    assert client.get(URL).json()["user"] is None


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong"), ("nobody", PASSWORD), ("ALICE", PASSWORD)],
)
def test_wrong_credentials_are_a_400_in_the_sites_words(alice, username, password):
    body = error(log_in(browser_like(), username, password), 400, "invalid_login")
    assert body["detail"].startswith("Please enter a correct username and password.")


def test_a_banned_account_cannot_sign_in(make_user):
    make_user("banned", is_active=False)
    error(log_in(browser_like(), "banned", PASSWORD), 400, "invalid_login")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "alice"},
        {"username": 5, "password": PASSWORD},
        {"username": "alice", "password": None},
        {"username": "a\x00lice", "password": PASSWORD},
        {"username": "a" * 151, "password": PASSWORD},
        [],
        "alice",
    ],
)
def test_malformed_credentials_are_a_400_on_the_fields(alice, data):
    client = browser_like()
    token = client.get(URL).json()["csrf_token"]
    body = error(client.post(URL, data, format="json", HTTP_X_CSRFTOKEN=token), 400, "invalid")
    assert body["fields"] or body["detail"]
    assert not AccessAttempt.objects.exists()


def test_failures_lock_the_account_out_with_a_json_429_before_hashing(alice, hasher_calls):
    client = browser_like()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = log_in(client, "alice", "wrong")
        # The failure that reaches the limit already answers with the lockout.
        assert response.status_code == (400 if attempt < settings.AXES_FAILURE_LIMIT else 429)
    hasher_calls.clear()
    response = log_in(client, "alice", PASSWORD)
    body = error(response, 429, "login_locked_out")
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert body["detail"] == f"Too many failed log-in attempts. Try again in {cool_off // 60} minutes."
    assert cool_off - 60 < int(response["Retry-After"]) <= cool_off
    assert hasher_calls == [], "a locked-out attempt must be refused before the password is hashed"
    assert client.get(URL).json()["user"] is None


def test_the_lockout_is_shared_with_the_log_in_page(alice, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="192.0.2.10")
    error(log_in(browser_like(), "alice", PASSWORD), 429, "login_locked_out")


def test_the_lockout_ends_after_the_cool_off(alice):
    client = browser_like()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "alice", "wrong")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    )
    assert log_in(client, "alice", PASSWORD).status_code == 200


def test_signing_out_ends_the_session_and_is_idempotent(alice):
    client = browser_like()
    token = log_in(client, "alice", PASSWORD).json()["csrf_token"]
    assert client.delete(URL, HTTP_X_CSRFTOKEN=token).status_code == 204
    assert client.get(URL).json()["user"] is None
    assert client.delete(URL).status_code == 204  # signed out already: nothing to protect


def test_signing_out_needs_the_csrf_header(alice):
    client = browser_like()
    log_in(client, "alice", PASSWORD)
    error(client.delete(URL), 403, "csrf_failed")
    assert client.get(URL).json()["user"]["username"] == "alice"
