import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from community.tests.helpers import PASSWORD, PRODUCTION_ENV, run_django

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-42"


def reset_link(message) -> str:
    return re.search(r"https?://testserver(/accounts/reset/\S+/)", message.body).group(1)


def test_password_reset_end_to_end(client, make_user):
    user = make_user("carol", email="carol@example.org")
    form = client.get("/accounts/password_reset/")
    assert form.status_code == 200 and b"Reset your password" in form.content
    response = client.post("/accounts/password_reset/", {"email": "carol@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert b"Check your e-mail" in client.get(response["Location"]).content
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.org"] and "carol" in message.body
    link = reset_link(message)
    # Django swaps the token for a session key and redirects to the form.
    set_password = client.get(link)
    assert set_password.status_code == 302
    form = client.get(set_password["Location"])
    assert form.status_code == 200 and b"Choose a new password" in form.content
    done = client.post(
        set_password["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert b"Your password is changed" in client.get(done["Location"]).content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(link, follow=True)
    assert b"This link no longer works" in again.content


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, make_user):
    make_user("dave")  # no address
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_resets_are_limited_per_address(client, make_user, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "password_reset": "2/h"}
    make_user("erin", email="erin@example.org")
    for _ in range(2):
        assert client.post("/accounts/password_reset/", {"email": "erin@example.org"}).status_code == 302
    refused = client.post("/accounts/password_reset/", {"email": "erin@example.org"})
    assert refused.status_code == 429 and "Retry-After" in refused
    assert len(mail.outbox) == 2


def test_change_password(client, alice):
    assert client.get("/accounts/password_change/")["Location"].startswith("/accounts/login/")
    client.force_login(alice)
    assert b"Change your password" in client.get("/accounts/password_change/").content
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and b"aria-invalid" in wrong.content
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert get_user_model().objects.get(pk=alice.pk).check_password(NEW_PASSWORD)
    # Still signed in here.
    assert client.get("/accounts/password_change/done/").status_code == 200


def test_login_page_links_the_reset(client):
    assert b'href="/accounts/password_reset/"' in client.get("/accounts/login/").content


def test_mail_goes_to_the_console_in_development_and_by_smtp_in_production():
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.EMAIL_HOST)"
    development = run_django(code, DJANGO_DEBUG="1")
    assert development.stdout.split() == ["django.core.mail.backends.console.EmailBackend"]
    production = run_django(code, **PRODUCTION_ENV, DJANGO_EMAIL_HOST="smtp.example.org")
    assert production.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.org"]
