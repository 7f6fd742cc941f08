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


def test_sign_up_takes_an_optional_email(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "fiona",
            "email": "fiona@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username="fiona").email == "fiona@example.org"
    client.logout()
    response = client.post(
        "/accounts/signup/", {"username": "gus", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and get_user_model().objects.get(username="gus").email == ""
    client.logout()
    assert b"Optional. Only used to send you a link" in client.get("/accounts/signup/").content


def test_settings_change_the_email(client, alice):
    assert client.get("/accounts/settings/")["Location"].startswith("/accounts/login/")
    client.force_login(alice)
    page = client.get("/accounts/settings/").content.decode()
    assert 'href="/accounts/password_change/"' in page and 'href="/accounts/delete/"' in page
    assert client.post("/accounts/settings/", {"email": "not an address"}).status_code == 400
    response = client.post("/accounts/settings/", {"email": "alice@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/settings/"
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    client.post("/accounts/settings/", {"email": ""})
    alice.refresh_from_db()
    assert alice.email == ""


def test_own_profile_links_the_settings(client, alice, bob):
    client.force_login(alice)
    assert b'href="/accounts/settings/"' in client.get("/u/alice/").content
    assert b'href="/accounts/settings/"' not in client.get("/u/bob/").content


def test_deleting_an_account(client, alice, bob, make_post, make_comment, make_like):
    from community.models import Comment, Like, Post

    mine = make_post(author=alice, content="alice's post")
    theirs_on_mine = make_comment(post=mine, author=bob)
    bobs = make_post(author=bob, content="bob's post")
    my_comment = make_comment(post=bobs, author=alice, content="alice's comment")
    reply = make_comment(parent=my_comment, author=bob, content="bob's reply")
    make_like(alice, bobs)
    make_like(bob, my_comment)
    client.force_login(alice)
    confirm = client.get("/accounts/delete/").content.decode()
    assert "1 post will be deleted" in confirm and "[deleted account]" in confirm
    wrong = client.post("/accounts/delete/", {"password": "wrong"})
    assert wrong.status_code == 400 and get_user_model().objects.filter(pk=alice.pk).exists()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not get_user_model().objects.filter(pk=alice.pk).exists()
    assert not Post.objects.filter(pk=mine.pk).exists()
    assert not Comment.objects.filter(pk=theirs_on_mine.pk).exists()
    kept = Comment.objects.get(pk=my_comment.pk)
    assert kept.author_id is None and Comment.objects.filter(pk=reply.pk).exists()
    assert not Like.objects.filter(user_id=alice.pk).exists()
    assert not Like.objects.filter(receiver_id=alice.pk).exists()
    # Signed out, and the discussion reads "[deleted account]" where alice was.
    page = client.get(bobs.get_absolute_url()).content.decode()
    assert "[deleted account]" in page and "bob's reply" in page and 'href="/accounts/login/' in page
    # The name is free again.
    client.post(
        "/accounts/signup/", {"username": "alice", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert get_user_model().objects.filter(username="alice").exists()


def test_deleting_needs_a_signed_in_post(client):
    assert client.get("/accounts/delete/")["Location"].startswith("/accounts/login/")
    assert client.post("/accounts/delete/", {"password": PASSWORD})["Location"].startswith("/accounts/login/")


def test_profiles_show_the_post_of_each_recent_comment(client, alice, bob, make_post, make_comment):
    post = make_post(author=bob, content="The topic under discussion")
    make_comment(post=post, author=alice, content="my view")
    html = client.get("/u/alice/").content.decode()
    # Words, not a link: the comment's own link already leads into that discussion.
    assert "On the post “The topic under discussion”" in html
