import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError

from community.tests.helpers import PASSWORD

User = get_user_model()
pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "correct-horse-battery-staple-42"


def test_sign_up_creates_the_account_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "newcomer", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.filter(username="newcomer").exists()
    assert client.get("/").context["user"].username == "newcomer"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"username": "", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}, "username", "required"),
        ({"username": "x", "password1": GOOD_PASSWORD, "password2": "different-one-99"}, "password2", "didn"),
        ({"username": "x", "password1": "123", "password2": "123"}, "password2", "too short"),
        (
            {"username": "bad name!", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
            "username",
            "valid",
        ),
    ],
)
def test_bad_sign_up_input_shows_field_errors_and_creates_nothing(client, data, field, message):
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert f'id="id_{field}-errors"' in response.content.decode()
    assert f'aria-describedby="id_{field}-errors"' in response.content.decode()
    assert not User.objects.exists()


def test_taken_username_is_refused(client, make_user):
    make_user("taken")
    response = client.post(
        "/accounts/signup/", {"username": "taken", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 400
    assert User.objects.count() == 1


def test_log_in_honours_a_safe_next(client, make_user):
    make_user("carol")
    response = client.post(
        "/accounts/login/", {"username": "carol", "password": PASSWORD, "next": "/leaderboard/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/leaderboard/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http:/\\evil.example"])
def test_log_in_ignores_an_external_next(client, make_user, target):
    make_user("carol")
    response = client.post("/accounts/login/", {"username": "carol", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_shows_an_error(client, make_user):
    make_user("carol")
    response = client.post("/accounts/login/", {"username": "carol", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_get_on_log_out_does_not_log_out(alice_client):
    response = alice_client.get("/accounts/logout/")
    assert response.status_code == 405
    assert alice_client.get("/").context["user"].is_authenticated


def test_post_on_log_out_logs_out(alice_client):
    response = alice_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not alice_client.get("/").context["user"].is_authenticated


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
