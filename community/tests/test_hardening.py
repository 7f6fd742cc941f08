"""What an outside probe broke: each finding, answered without a 500 and without lost data."""

import base64
import socket
import threading
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from community.models import Comment, Post
from community.tests.helpers import HTMX, logged_in, moderators_group


def cursor(stamp: str, pk: int = 5) -> str:
    return base64.urlsafe_b64encode(f"{stamp}|{pk}".encode()).decode().rstrip("=")


# --- 1. Feed cursors the database cannot read ------------------------------------------


@pytest.mark.parametrize("offset", ["+23:59", "-23:59", "+16:00", "+15:59:59.999999", "-00:00:01"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_cursor_with_any_offset_python_parses_gets_a_page(client, make_post, offset, htmx):
    make_post()
    response = client.get("/", {"cursor": cursor(f"2026-01-01T10:00:00{offset}")}, **(HTMX if htmx else {}))
    assert response.status_code == 200


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_cursor_at_the_ends_of_time_gets_a_page(client, make_post, stamp):
    make_post()
    assert client.get("/", {"cursor": cursor(stamp)}).status_code == 200


# --- 2. Bodies over the limit, whatever their type ---------------------------------------


def test_a_large_multipart_upload_is_refused_before_it_is_read(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    upload = SimpleUploadedFile("big.bin", b"x" * (3 * 1024 * 1024))
    response = client.post("/accounts/login/", {"username": "a", "password": "b", "file": upload})
    assert response.status_code == 413
    assert "Too much data" in response.content.decode()


def test_the_413_is_read_by_a_client_that_sends_its_whole_body(live_server):
    """The body is drained before the answer, so the client reads the 413 page, not a reset."""
    host, port = urlsplit(live_server.url).netloc.split(":")
    body = b"content=" + b"a" * (5 * 1024 * 1024)
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(
            b"POST /posts/new/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        )
        conn.sendall(body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"Too much data" in answer


def test_a_body_under_the_limit_still_works(alice):
    assert logged_in(alice).post("/posts/new/", {"content": "fine"}).status_code == 302


def test_an_unparseable_content_length_is_a_400(client):
    assert (
        client.post("/posts/new/", b"x", content_type="text/plain", CONTENT_LENGTH="lots").status_code == 400
    )


# --- 3. Reply loops ---------------------------------------------------------------------------


@pytest.fixture
def reply_loop(make_comment, make_post):
    """Comments 'a' and 'b' each the other's parent, as a bad write could leave them."""
    post = make_post()
    kept = make_comment(post=post, content="kept")
    a = make_comment(post=post, content="loop a")
    b = make_comment(post=post, parent=a, content="loop b")
    below = make_comment(post=post, parent=b, content="below the loop")
    Comment.objects.filter(pk=a.pk).update(parent=b)
    return post, kept, a, b, below


def test_a_reply_loop_in_the_database_cannot_hang_a_page(client, reply_loop):
    post, kept, a, b, below = reply_loop
    page = client.get(post.get_absolute_url())
    assert page.status_code == 200
    assert "kept" in page.content.decode()
    assert "loop a" not in page.content.decode()
    for comment in (a, b, below):
        assert client.get(comment.get_absolute_url()).status_code == 404
    assert client.get(kept.get_absolute_url()).status_code == 200


# --- 4. Tombstone permalinks ------------------------------------------------------------------


@pytest.mark.parametrize("state", [Comment.State.DELETED, Comment.State.REMOVED])
def test_a_tombstone_permalink_names_nobody(client, make_user, make_comment, state):
    parent = make_comment(author=make_user("secretive"), state=state)
    make_comment(post=parent.post, parent=parent, content="a visible reply")
    body = client.get(parent.get_absolute_url()).content.decode()
    assert "secretive" not in body
    assert "<title>Comment by [" in body


# --- 5. Blank-looking content -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["\u200b", "\u2060\u2060", "\ufeff", "\u2800\u2800\u2800", "\u202e", "\u3164 \u200b"]
)
def test_invisible_text_is_not_content(alice, make_post, text):
    client = logged_in(alice)
    post = make_post()
    assert client.post("/posts/new/", {"content": text}).status_code == 400
    assert client.post(f"/posts/{post.pk}/comments/", {"content": text}).status_code == 400
    assert not Post.objects.filter(author=alice).exists()
    assert not Comment.objects.exists()


def test_text_with_an_invisible_character_in_it_is_kept_whole(alice):
    logged_in(alice).post("/posts/new/", {"content": "zero\u200bwidth"})
    assert Post.objects.get(author=alice).content == "zero\u200bwidth"


# --- 6. Invalid UTF-8 in any form encoding ------------------------------------------------------


def test_multipart_text_that_is_not_utf8_is_refused_like_a_urlencoded_one(alice):
    client = logged_in(alice)
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"\r\n\r\n'.encode()
        + b"caf\xe9 \xff"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post("/posts/new/", body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert not Post.objects.exists()


# --- 7. Double submits ------------------------------------------------------------------------------


def test_the_same_post_sent_twice_is_one_post(alice):
    client = logged_in(alice)
    client.post("/posts/new/", {"content": "only once"})
    client.post("/posts/new/", {"content": "only once"})
    assert Post.objects.filter(author=alice).count() == 1
    client.post("/posts/new/", {"content": "something else"})
    assert Post.objects.filter(author=alice).count() == 2


def test_the_same_reply_in_another_place_is_a_new_comment(alice, make_comment):
    client = logged_in(alice)
    first = make_comment()
    second = make_comment(post=first.post)
    for parent in (first, second, first):
        client.post(f"/posts/{first.post_id}/comments/", {"content": "+1", "parent": parent.pk})
    assert Comment.objects.filter(author=alice).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_ten_concurrent_identical_comments_make_one(make_user, make_post):
    author = make_user()
    post = make_post()
    barrier = threading.Barrier(10)
    statuses = []

    def send():
        client = Client()
        client.force_login(author)
        barrier.wait()
        try:
            statuses.append(client.post(f"/posts/{post.pk}/comments/", {"content": "same"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 10
    assert Comment.objects.filter(post=post, author=author).count() == 1


# --- 8. Caches tell pages from fragments ----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/leaderboard/", "/accounts/login/"])
def test_every_answer_varies_on_hx_request(client, db, path):
    assert "HX-Request" in client.get(path)["Vary"]


# --- 9. Moderators' edits are marked -------------------------------------------------------


def test_a_moderators_change_of_a_post_is_marked_on_the_site(client, make_user, make_post):
    post = make_post(author=make_user("maya"), content="original")
    moderator = make_user("mod", is_staff=True)
    moderator.groups.add(moderators_group())
    admin = logged_in(moderator)
    response = admin.post(f"/admin/community/post/{post.pk}/change/", {"content": "changed by the moderator"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.content == "changed by the moderator"
    assert post.author.username == "maya"
    assert post.moderator_edited_at is not None
    assert "(edited by a moderator)" in client.get(post.get_absolute_url()).content.decode()


def test_an_authors_own_edit_is_not_marked_as_a_moderators(alice, make_post, client):
    post = make_post(author=alice)
    logged_in(alice).post(f"/posts/{post.pk}/edit/", {"content": "my own words"})
    assert "edited by a moderator" not in client.get(post.get_absolute_url()).content.decode()


# --- 10. Edits are throttled ------------------------------------------------------------------------


def test_edits_past_the_limit_are_refused(alice, make_post, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "edit": "2/m"}
    post = make_post(author=alice)
    client = logged_in(alice)
    statuses = [client.post(f"/posts/{post.pk}/edit/", {"content": f"v{n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    post.refresh_from_db()
    assert post.content == "v1"


# --- 11. Signed-out writes come back to the item --------------------------------------------


def test_a_signed_out_comment_returns_to_the_discussion_after_log_in(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.pk}/comments/", {"content": "hello"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/posts/{post.pk}/%23comments&reason=comment"
    assert "what you wrote was not sent" in client.get(response["Location"]).content.decode()


def test_the_signed_out_like_link_says_why_and_returns_to_the_item(client, make_post):
    post = make_post()
    body = client.get("/").content.decode()
    assert f'href="/accounts/login/?next=%2F%23post-{post.pk}&amp;reason=like-post"' in body


def test_demo_accounts_made_in_bulk_get_lookalike_keys(db):
    from community.demo import seed_demo
    from community.models import UsernameSkeleton

    seed_demo()
    assert UsernameSkeleton.objects.count() == get_user_model().objects.count() > 0
