"""
Accounts against misuse: where sign-up sends you, sign-ups that race,
log-in lockouts a stranger cannot turn against an account's owner, bans
however they are made, sign-up throttling, lookalike usernames, and liking
while signed out.
"""

import importlib
import threading

import pytest
from axes.models import AccessAttempt
from django.apps import apps as global_apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from community import ratelimit
from community.models import Like, UsernameSkeleton
from community.ratelimit import rate_limited
from community.services import accounts
from community.services.users import users_ban
from community.tests.helpers import HTMX, PASSWORD, log_in, moderators_group, run_django

User = get_user_model()

GOOD_PASSWORD = "correct-horse-battery-staple-42"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"
)


def sign_up(client, username, **extra):
    data = {"username": username, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    return client.post("/accounts/signup/", {**data, **extra.pop("data", {})}, **extra)


def errors_of(response, field="username") -> str:
    return " ".join(response.context["form"].errors.get(field, []))


def sessions_of(user) -> int:
    return sum(str(s.get_decoded().get(SESSION_KEY)) == str(user.pk) for s in Session.objects.all())


def logged_in_by_password(username) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def run_together(calls):
    """Run each callable in a thread of its own, all released at once; results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# --- Sign-up: where it sends you ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "default",
        "community:feed",
        "leaderboard/",
        "javascript:alert(1)",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
    ],
)
def test_sign_up_with_a_next_that_is_no_path_of_this_site_goes_to_the_feed(client, target):
    response = sign_up(client, "newcomer", data={"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.filter(username="newcomer").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["/leaderboard/", "/posts/5/#post-5", "http://testserver/leaderboard/"])
def test_sign_up_honours_a_path_or_a_url_of_this_site(client, target):
    response = sign_up(client, "newcomer", data={"next": target})
    assert response.status_code == 302
    assert response["Location"] == target


def arriving_while_signing_up(monkeypatch, make_user, username):
    """Another sign-up's account arrives after this one's form was checked, before its row is written."""

    def hit(*args, **kwargs):
        make_user(username)

    monkeypatch.setattr(ratelimit, "hit", hit)


@pytest.mark.django_db
def test_sign_up_losing_the_race_for_a_name_shows_the_form_again(client, make_user, monkeypatch):
    arriving_while_signing_up(monkeypatch, make_user, "taken")
    response = sign_up(client, "taken")
    assert response.status_code == 400
    assert errors_of(response) == accounts.USERNAME_TAKEN
    assert "That username is taken." in response.content.decode()
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_taken_name_in_another_letter_case_is_refused_as_taken(client, make_user):
    make_user("maya")
    response = sign_up(client, "Maya")
    assert response.status_code == 400
    assert errors_of(response) == accounts.USERNAME_TAKEN


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_with_one_name_create_one_account_and_refuse_the_rest():
    responses = run_together([lambda: sign_up(Client(), "maya") for _ in range(6)])
    assert sorted(getattr(r, "status_code", r) for r in responses) == [302, 400, 400, 400, 400, 400]
    for response in responses:
        if response.status_code == 400:
            assert errors_of(response) == accounts.USERNAME_TAKEN
    assert User.objects.filter(username="maya").count() == 1
    assert UsernameSkeleton.objects.count() == 1


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_with_lookalike_names_create_one_account():
    names = ["maya", "m\u0430ya", "may\u0430", "m\u0430y\u0430", "ma\u0443a", "m\u0430\u0443a"]
    assert len({accounts.username_skeleton(name) for name in names}) == 1
    responses = run_together([lambda name=name: sign_up(Client(), name) for name in names])
    assert sorted(getattr(r, "status_code", r) for r in responses) == [302, 400, 400, 400, 400, 400]
    for response in responses:
        if response.status_code == 400:
            assert errors_of(response) == accounts.USERNAME_TOO_CLOSE
    assert User.objects.count() == 1


# --- Log-in lockouts ------------------------------------------------------------------

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.mark.django_db
def test_a_strangers_failures_do_not_lock_the_owner_out(client, make_user, settings, hasher_calls):
    make_user("maya")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = log_in(client, "maya", "guess", ATTACKER)
        # The failure that reaches the limit already answers with the lockout.
        assert response.status_code == (200 if attempt < settings.AXES_FAILURE_LIMIT else 429)

    owner = Client()
    response = log_in(owner, "maya", PASSWORD, OWNER)
    assert response.status_code == 302
    assert owner.session["_auth_user_id"]


@pytest.mark.django_db
def test_the_failing_address_is_refused_for_that_account_before_any_hashing(
    client, make_user, settings, hasher_calls
):
    make_user("maya")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "maya", "guess", ATTACKER)

    hasher_calls.clear()
    response = log_in(client, "maya", PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert "Too many failed log-in attempts. Try again in 15 minutes." in response.content.decode()
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert hasher_calls == []
    assert "_auth_user_id" not in client.session
    # The same address may still log in to another account.
    make_user("bob")
    assert log_in(Client(), "bob", PASSWORD, ATTACKER).status_code == 302


@pytest.mark.django_db
def test_an_address_failing_across_many_accounts_is_stopped(client, make_user, settings, hasher_calls):
    settings.COMMUNITY_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    make_user("bob")
    statuses = [log_in(client, f"someone{i}", "guess", ATTACKER).status_code for i in range(8)]
    assert statuses == [200] * 7 + [429]

    hasher_calls.clear()
    response = log_in(client, "bob", PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert hasher_calls == []
    # Another address is not affected.
    assert log_in(Client(), "bob", PASSWORD, OWNER).status_code == 302


@pytest.mark.django_db
def test_an_address_below_its_own_limit_keeps_logging_in(client, make_user, settings):
    """A shared address (an office) with a few mistakes for several accounts is not locked."""
    assert settings.COMMUNITY_LOGIN_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    make_user("bob")
    for i in range(settings.AXES_FAILURE_LIMIT + 1):
        assert log_in(client, f"colleague{i}", "typo", ATTACKER).status_code == 200
    assert log_in(client, "bob", PASSWORD, ATTACKER).status_code == 302


@pytest.mark.django_db
def test_the_lockout_of_a_pair_ends_a_cool_off_after_its_last_failure(client, make_user, settings):
    make_user("maya")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "maya", "guess", ATTACKER)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=10))
    response = log_in(client, "maya", "guess", ATTACKER)
    assert response.status_code == 429
    assert "Try again in 5 minutes." in response.content.decode()
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    )
    assert log_in(client, "maya", PASSWORD, ATTACKER).status_code == 302


# --- Bans, however they are made --------------------------------------------------------


@pytest.fixture
def mod_client(make_user):
    moderators_group()
    make_user("mod")
    call_command("make_moderator", "mod", stdout=None)
    client = Client()
    client.force_login(User.objects.get(username="mod"))
    return client


@pytest.mark.django_db
def test_deactivating_through_the_user_form_ends_the_users_sessions(mod_client, make_user):
    bob, carol = make_user("bob"), make_user("carol")
    bob_client, carol_client = logged_in_by_password("bob"), logged_in_by_password("carol")
    url = reverse("admin:auth_user_change", args=[bob.pk])

    assert mod_client.post(url, {"is_active": ""}).status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    assert sessions_of(bob) == 0
    assert sessions_of(carol) == 1

    assert mod_client.post(url, {"is_active": "on"}).status_code == 302
    bob.refresh_from_db()
    assert bob.is_active
    assert bob_client.get(reverse("community:feed")).wsgi_request.user.is_anonymous
    assert carol_client.get(reverse("community:feed")).wsgi_request.user == carol


@pytest.mark.django_db
def test_deactivating_in_the_shell_ends_the_users_sessions(make_user):
    bob = make_user("bob")
    bob_client = logged_in_by_password("bob")
    bob.is_active = False
    bob.save()
    bob.is_active = True
    bob.save()
    assert bob_client.get(reverse("community:feed")).wsgi_request.user.is_anonymous


@pytest.mark.django_db
def test_a_save_that_names_other_fields_leaves_sessions_alone(make_user):
    bob = make_user("bob")
    logged_in_by_password("bob")
    bob.is_active = False
    bob.save(update_fields=["email"])
    assert sessions_of(bob) == 1


@pytest.mark.django_db
def test_saves_that_deactivate_nothing_cost_no_extra_query(make_user, django_assert_num_queries):
    bob = make_user("bob")
    with django_assert_num_queries(1):
        bob.last_login = timezone.now()
        bob.save(update_fields=["last_login"])
    inactive = make_user("inactive", is_active=False)
    with django_assert_num_queries(1):
        inactive.save(update_fields=["last_login"])


@pytest.mark.django_db
def test_the_ban_action_still_ends_sessions(make_user):
    bob = make_user("bob")
    logged_in_by_password("bob")
    assert users_ban(users=[bob]) == [bob]
    assert sessions_of(bob) == 0


# --- Sign-up and edit throttling ----------------------------------------------------------


@pytest.mark.django_db
def test_sign_ups_from_one_address_are_limited(client, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "signup": "3/h"}
    for i in range(3):
        assert sign_up(Client(), f"newcomer{i}", REMOTE_ADDR=ATTACKER).status_code == 302

    response = sign_up(Client(), "newcomer3", REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many accounts were created from your address." in response.content.decode()
    assert not User.objects.filter(username="newcomer3").exists()

    assert sign_up(Client(), "newcomer3", REMOTE_ADDR=OWNER).status_code == 302


@pytest.mark.django_db
def test_sign_up_throttle_answers_htmx_with_a_message(settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "signup": "1/h"}
    sign_up(Client(), "first", REMOTE_ADDR=ATTACKER)
    response = sign_up(Client(), "second", REMOTE_ADDR=ATTACKER, **HTMX)
    assert response.status_code == 429
    assert response["HX-Retarget"] == "#htmx-messages"


@pytest.mark.django_db
def test_refused_sign_up_forms_do_not_count_against_the_address(settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "signup": "1/h"}
    for _ in range(3):
        response = sign_up(Client(), "bad name!", REMOTE_ADDR=ATTACKER)
        assert response.status_code == 400
    assert sign_up(Client(), "newcomer", REMOTE_ADDR=ATTACKER).status_code == 302
    assert sign_up(Client(), "another", REMOTE_ADDR=ATTACKER).status_code == 429


@pytest.mark.django_db
def test_the_edit_scope_limits_each_users_edits(make_user, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "edit": "2/m"}
    view = rate_limited("edit")(lambda request: HttpResponse("edited"))
    bob, carol = make_user("bob"), make_user("carol")

    def edit(user):
        request = RequestFactory().post("/posts/1/edit/")
        request.user = user
        request.htmx = False
        return view(request)

    assert [edit(bob).status_code for _ in range(3)] == [200, 200, 429]
    refused = edit(bob)
    assert "You are editing faster than the site allows." in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 60
    assert edit(carol).status_code == 200


def test_production_limits_for_sign_ups_and_edits_come_from_the_environment():
    code = "from django.conf import settings as s; r = s.COMMUNITY_RATE_LIMITS; print(r['signup'], r['edit'])"
    default = run_django(code, DJANGO_DEBUG="1")
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["5/h", "30/m"]
    told = run_django(
        code, DJANGO_DEBUG="1", COMMUNITY_RATE_LIMIT_SIGNUP="2/d", COMMUNITY_RATE_LIMIT_EDIT="10/m"
    )
    assert told.stdout.split() == ["2/d", "10/m"]


# --- Lookalike usernames -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("maya", "m\u0430ya"),  # Cyrillic а
        ("maya", "MAYA"),
        ("maya", "rnaya"),  # r n beside each other read as m
        ("paypal", "\u0440\u0430\u0443\u0440\u0430l"),  # Cyrillic р а у р а
        ("paypal", "PayPaI"),  # capital I for l
        ("alice", "\uff41lice"),  # fullwidth a
        ("bob", "b0b"),
        ("user_1", "user_l"),
        ("strasse", "stra\u00dfe"),
    ],
)
def test_lookalike_names_share_a_skeleton(a, b):
    assert accounts.username_skeleton(a) == accounts.username_skeleton(b)


@pytest.mark.parametrize(
    ("a", "b"), [("maya", "maya2"), ("maya", "may\u00e1"), ("ian", "lan"), ("bob", "rob")]
)
def test_different_names_have_different_skeletons(a, b):
    assert accounts.username_skeleton(a) != accounts.username_skeleton(b)


def test_every_character_settles_within_the_rounds_allowed():
    for code in range(0x20, 0x30000, 7):
        if 0xD800 <= code <= 0xDFFF:
            continue
        skeleton = accounts.username_skeleton(chr(code))
        assert accounts.username_skeleton(skeleton) == skeleton


@pytest.mark.django_db
def test_a_lookalike_of_an_existing_name_is_refused(client, make_user):
    make_user("maya")
    response = sign_up(client, "m\u0430ya")
    assert response.status_code == 400
    assert errors_of(response) == accounts.USERNAME_TOO_CLOSE
    assert "too close to an existing one" in response.content.decode()
    assert User.objects.count() == 1
    assert sign_up(client, "maya2").status_code == 302


@pytest.mark.django_db
def test_the_database_refuses_a_lookalike_the_form_did_not_see(client, make_user, monkeypatch):
    arriving_while_signing_up(monkeypatch, make_user, "maya")
    response = sign_up(client, "m\u0430ya")
    assert response.status_code == 400
    assert errors_of(response) == accounts.USERNAME_TOO_CLOSE
    assert User.objects.count() == 1
    assert UsernameSkeleton.objects.count() == 1


@pytest.mark.django_db
def test_users_made_or_renamed_anywhere_hold_their_skeleton(make_user):
    bob = make_user("bob")
    assert bob.username_skeleton.digest == accounts.skeleton_digest("bob")
    bob.username = "robert"
    bob.save()
    bob.refresh_from_db()
    assert bob.username_skeleton.digest == accounts.skeleton_digest("robert")
    # The old name is free again.
    assert sign_up(Client(), "b0b").status_code == 302


@pytest.mark.django_db
def test_a_lookalike_made_outside_sign_up_is_saved_without_the_skeleton(make_user):
    """The admin or the shell may still make one: it saves, and the first holder keeps the name's skeleton."""
    maya = make_user("maya")
    twin = make_user("m\u0430ya")
    assert not UsernameSkeleton.objects.filter(user=twin).exists()
    assert UsernameSkeleton.objects.get(digest=accounts.skeleton_digest("maya")).user == maya


@pytest.mark.django_db
def test_the_migration_gives_existing_accounts_their_skeletons_oldest_first():
    """Accounts made in bulk, as before the migration: lookalikes among them, the oldest holds it."""
    User.objects.bulk_create([User(username="maya"), User(username="m\u0430ya"), User(username="bob")])
    assert not UsernameSkeleton.objects.exists()
    migration = importlib.import_module("community.migrations.0009_username_skeleton")
    migration.fill(global_apps, None)
    held = dict(UsernameSkeleton.objects.values_list("user__username", "digest"))
    assert held == {"maya": accounts.skeleton_digest("maya"), "bob": accounts.skeleton_digest("bob")}
    assert accounts.username_skeletons_fill() == 0


# --- Liking while signed out ---------------------------------------------------------------


@pytest.mark.django_db
def test_liking_a_post_signed_out_leads_through_log_in_back_to_the_post(client, make_user, make_post):
    make_user("reader")
    post = make_post()
    response = client.post(f"/posts/{post.pk}/like/", {"next": "/"})
    login_url = f"/accounts/login/?next=/posts/{post.pk}/%23post-{post.pk}&reason=like-post"
    assert response.status_code == 302
    assert response["Location"] == login_url

    page = client.get(login_url)
    assert "Log in to like this post." in page.content.decode()
    response = client.post(
        login_url, {"username": "reader", "password": PASSWORD, "next": f"/posts/{post.pk}/#post-{post.pk}"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.pk}/#post-{post.pk}"

    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/posts/{post.pk}/like/"' in page
    client.post(f"/posts/{post.pk}/like/", {"next": f"/posts/{post.pk}/"})
    assert Like.objects.filter(user__username="reader", target_id=post.pk).count() == 1


@pytest.mark.django_db
def test_liking_a_comment_signed_out_leads_back_to_the_comment(client, make_user, make_comment):
    make_user("reader")
    comment = make_comment()
    response = client.post(f"/comments/{comment.pk}/like/")
    login_url = f"/accounts/login/?next=/comments/{comment.pk}/%23comment-{comment.pk}&reason=like-comment"
    assert response["Location"] == login_url
    assert "Log in to like this comment." in client.get(login_url).content.decode()
    client.post(login_url, {"username": "reader", "password": PASSWORD, "next": f"/comments/{comment.pk}/"})
    page = client.get(f"/comments/{comment.pk}/").content.decode()
    assert f'action="/comments/{comment.pk}/like/"' in page


@pytest.mark.django_db
def test_liking_signed_out_with_htmx_redirects_the_whole_page(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.pk}/like/", **HTMX)
    assert response.status_code == 204
    assert (
        response["HX-Redirect"]
        == f"/accounts/login/?next=/posts/{post.pk}/%23post-{post.pk}&reason=like-post"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "like", "delete-account", "<script>alert(1)</script>"])
def test_the_log_in_page_says_only_the_reasons_it_knows(client, reason):
    body = client.get("/accounts/login/", {"next": "/", "reason": reason}).content.decode()
    assert "data-login-reason" not in body
    assert "<script>alert(1)</script>" not in body
    assert 'name="reason"' not in body


@pytest.mark.django_db
def test_the_reason_survives_a_wrong_password(client, make_user):
    make_user("reader")
    response = client.post(
        "/accounts/login/",
        {"username": "reader", "password": "wrong", "next": "/posts/1/#post-1", "reason": "like-post"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Log in to like this post." in body
    assert 'name="reason" value="like-post"' in body
