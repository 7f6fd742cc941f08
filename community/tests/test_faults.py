"""
Faults: the database down or slow, a failure in the middle of a write, and
the error pages people see meanwhile.
"""

import os
import subprocess
import sys
from unittest import mock

import pytest
from django.db import DatabaseError, OperationalError, connection
from django.test import Client, RequestFactory

from community import errors
from community.models import Comment, Like, Post
from community.tests.helpers import HTMX, ROOT, logged_in

ON_POSTGRESQL = connection.vendor == "postgresql"


def _refuse(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def database_goes_down():
    """Every query fails from here on, as it does when PostgreSQL has gone away."""
    return mock.patch.object(connection, "cursor", _refuse)


@pytest.fixture
def database_down():
    with database_goes_down():
        yield


# --- Database down ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/leaderboard/", "/posts/1/", "/u/alice/"])
def test_pages_answer_a_friendly_503_when_the_database_is_down(alice, url):
    for client in (Client(raise_request_exception=False), logged_in(alice, raise_request_exception=False)):
        with database_goes_down():
            response = client.get(url)
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        body = response.content.decode()
        assert "can&#x27;t reach its database" in body
        assert "Traceback" not in body
        assert "<html" in body


def test_htmx_requests_get_the_503_message_in_place(database_down):
    response = Client().get("/leaderboard/", **HTMX)
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#htmx-messages"
    assert "<html" not in response.content.decode()


def test_writes_answer_503_when_the_database_is_down(alice, bob):
    post = Post.objects.create(author=bob, content="Bob's post")
    client = logged_in(alice)
    client.get("/")  # the session is loaded before the database goes away
    with mock.patch.object(Post.objects, "create", side_effect=OperationalError("connection refused")):
        response = client.post("/posts/new/", {"content": "Lost?"})
    assert response.status_code == 503
    with mock.patch.object(Like.objects, "bulk_create", side_effect=OperationalError("connection refused")):
        response = client.post(f"/posts/{post.pk}/like/", **HTMX)
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#htmx-messages"


def test_healthz_answers_503_when_the_database_is_down(database_down):
    response = Client().get("/healthz")
    assert response.status_code == 503


def test_failures_outside_views_reach_handler500_which_answers_503():
    """A database error in middleware or a template is turned into the same 503 by handler500."""
    request = RequestFactory().get("/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = errors.server_error(request)
    assert response.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        response = errors.server_error(request)
    assert response.status_code == 500


def test_a_real_unreachable_database_gives_503_pages_not_tracebacks():
    """A separate process whose DATABASE_URL points at a port where nothing listens."""
    code = (
        "from django.test import Client; c = Client(raise_request_exception=False); "
        "r = c.get('/'); print(r.status_code, 'database' in r.content.decode()); "
        "r = c.get('/healthz'); print(r.status_code); "
        "r = c.get('/leaderboard/', HTTP_HX_REQUEST='true'); print(r.status_code, r['HX-Retarget'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.test_settings",
        DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing",
        PGCONNECT_TIMEOUT="3",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["503", "True", "503", "503", "#htmx-messages"]


# --- Statement timeout --------------------------------------------------------------


def test_a_cancelled_statement_answers_503_with_its_own_message(alice):
    """How PostgreSQL's statement_timeout surfaces: psycopg's QueryCanceled, SQLSTATE 57014."""

    class QueryCanceled(Exception):
        pgcode = "57014"

    def slow(*args, **kwargs):
        raise OperationalError("canceling statement due to statement timeout") from QueryCanceled()

    with mock.patch("community.selectors.karma.leaderboard", slow):
        response = Client().get("/leaderboard/")
    assert response.status_code == 503
    assert "could not answer in time" in response.content.decode()


postgres_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="statement_timeout is PostgreSQL's")


@pytest.mark.postgres
@postgres_only
def test_connections_have_the_configured_statement_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (value,) = cursor.fetchone()
    milliseconds = settings.STATEMENT_TIMEOUT_MS
    assert value == (f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms")


@pytest.mark.postgres
@postgres_only
def test_a_statement_over_the_timeout_is_cancelled_and_answers_503(alice):
    def slow_leaderboard(**kwargs):
        with connection.cursor() as cursor:
            # The configured timeout is seconds; a short one keeps the test quick.
            cursor.execute("SET LOCAL statement_timeout = '100ms'")
            cursor.execute("SELECT pg_sleep(5)")

    with mock.patch("community.selectors.karma.leaderboard", slow_leaderboard):
        response = Client().get("/leaderboard/")
    assert response.status_code == 503
    assert "could not answer in time" in response.content.decode()


# --- PostgreSQL restarts under a running server ------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    os.environ.get("COMMUNITY_ALLOW_PG_RESTART") != "1" or not ON_POSTGRESQL,
    reason="restarts the PostgreSQL server: opt in with COMMUNITY_ALLOW_PG_RESTART=1 on PostgreSQL",
)
def test_a_postgresql_restart_costs_no_failed_request():
    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "benchmarks/pg_restart_check.py"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": admin_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: all" in result.stdout


# --- Atomic writes --------------------------------------------------------------------


def fail_after(manager, method):
    """Patch `manager.method` to do its write and then fail, as a crash mid-request would."""
    real = getattr(manager, method)

    def write_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise DatabaseError("injected failure after the write")

    return mock.patch.object(manager, method, write_then_fail)


@pytest.mark.django_db(transaction=True)
def test_a_failed_comment_leaves_no_row(alice, bob):
    post = Post.objects.create(author=bob, content="Bob's post")
    with fail_after(Comment.objects, "create"):
        response = logged_in(alice, raise_request_exception=False).post(
            f"/posts/{post.pk}/comments/", {"content": "Half?"}
        )
    assert response.status_code == 500
    assert not Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_like_leaves_no_row(alice, bob):
    post = Post.objects.create(author=bob, content="Bob's post")
    with fail_after(Like.objects, "bulk_create"):
        response = logged_in(alice, raise_request_exception=False).post(f"/posts/{post.pk}/like/")
    assert response.status_code == 500
    assert not Like.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_post_delete_that_fails_halfway_deletes_nothing(alice, bob, make_like):
    post = Post.objects.create(author=alice, content="Alice's post")
    comment = Comment.objects.create(post=post, author=bob, content="Bob's comment")
    Comment.objects.create(post=post, parent=comment, author=alice, content="A reply")
    make_like(alice, comment)
    make_like(bob, post)

    # The likes and comments are deleted first; then deleting the post fails.
    with mock.patch.object(Post, "delete", side_effect=DatabaseError("injected failure")):
        response = logged_in(alice, raise_request_exception=False).post(f"/posts/{post.pk}/delete/")
    assert response.status_code == 500
    assert Post.objects.filter(pk=post.pk).exists()
    assert Comment.objects.filter(post=post).count() == 2
    assert Like.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_request_shows_the_500_page_without_touching_the_database(alice):
    with mock.patch.object(Post.objects, "create", side_effect=RuntimeError("a bug")):
        response = logged_in(alice, raise_request_exception=False).post("/posts/new/", {"content": "Boom"})
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "a bug" not in body
    assert not Post.objects.exists()


# --- Error pages --------------------------------------------------------------------


def test_the_500_and_503_pages_need_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        try:
            raise OperationalError("down")
        except OperationalError:
            unavailable = errors.server_error(request)
        try:
            raise ValueError("bug")
        except ValueError:
            failed = errors.server_error(request)
    assert unavailable.status_code == 503
    assert failed.status_code == 500
    for response in (unavailable, failed):
        body = response.content.decode()
        assert "css/dist/styles.css" in body  # the site's own style
        assert "Back to the feed" in body


@pytest.mark.parametrize(
    ("make_request", "status", "words"),
    [
        (lambda c: c.get("/?q=%FF"), 400, "not valid UTF-8"),
        (lambda c: c.get("/no/such/page/"), 404, "There is nothing at this address."),
        (lambda c: c.get("/posts/999999/"), 404, "This post does not exist, or it was deleted."),
        (lambda c: c.get("/posts/1/like/"), 405, "does not accept GET requests"),
    ],
)
def test_error_pages_are_in_the_site_style(alice, make_request, status, words):
    response = make_request(logged_in(alice))
    assert response.status_code == status
    body = response.content.decode()
    assert words in body
    assert f"Error {status}" in body
    assert "css/dist/styles.css" in body
    assert 'id="htmx-messages"' in body  # base.html, with the site's header


def test_forbidden_pages_show_the_reason(alice, bob):
    post = Post.objects.create(author=bob, content="Bob's post")
    response = logged_in(alice).get(f"/posts/{post.pk}/edit/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Only the author can edit this post." in body
    assert "Error 403" in body


def test_the_429_page_and_fragment(alice, bob, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "like": "1/m"}
    post = Post.objects.create(author=bob, content="Bob's post")
    client = logged_in(alice)
    client.post(f"/posts/{post.pk}/like/")
    page = client.post(f"/posts/{post.pk}/unlike/")
    assert page.status_code == 429
    assert "Error 429" in page.content.decode()
    fragment = client.post(f"/posts/{post.pk}/unlike/", **HTMX)
    assert fragment.status_code == 429
    assert 'data-error-status="429"' in fragment.content.decode()
