"""Replies to you through the API: /api/v1/inbox/ and /api/v1/inbox/read/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Comment
from community.selectors.inbox import INBOX_PAGE_SIZE
from community.tests.api.helpers import error

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbox/"


def ids(body) -> list[int]:
    return [reply["id"] for reply in body["results"]]


def test_replies_to_you_newest_first_with_their_context(alice_api, make_post, make_comment, alice, bob):
    mine = make_post(author=alice)
    theirs = make_post(author=bob)
    my_comment = make_comment(post=theirs, author=alice)
    on_my_post = make_comment(post=mine, author=bob, content="on your post")
    reply = make_comment(parent=my_comment, author=bob, content="reply to you")
    make_comment(post=mine, author=alice)  # your own: not a reply to you
    body = alice_api.get(URL).json()
    assert ids(body) == [reply.pk, on_my_post.pk]
    assert body["unread_count"] == 2 and body["next"] is None
    first, second = body["results"]
    assert first["content"] == "reply to you" and first["unread"] is True
    assert first["author"]["username"] == "bob"
    assert first["in_reply_to"]["id"] == my_comment.pk and first["in_reply_to"]["state"] == "visible"
    assert first["post"]["id"] == theirs.pk and first["post"]["author"]["username"] == "bob"
    assert first["url"].endswith(f"/api/v1/comments/{reply.pk}/")
    assert second["in_reply_to"] is None and second["post"]["id"] == mine.pk


def test_reading_the_list_leaves_the_mark_and_read_moves_it(alice_api, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    older = make_comment(post=post, author=bob, created_at=timezone.now() - timedelta(minutes=5))
    make_comment(post=post, author=bob)
    assert alice_api.get(URL).json()["unread_count"] == 2
    assert alice_api.get(URL).json()["unread_count"] == 2
    response = alice_api.post(f"{URL}read/", {"up_to": older.created_at.isoformat()}, format="json")
    assert response.status_code == 200 and response.json() == {"unread_count": 1}
    assert [reply["unread"] for reply in alice_api.get(URL).json()["results"]] == [True, False]
    # Never back.
    alice_api.post(f"{URL}read/", {"up_to": "2000-01-01T00:00:00Z"}, format="json")
    assert alice_api.get(URL).json()["unread_count"] == 1
    assert alice_api.post(f"{URL}read/", {}, format="json").json() == {"unread_count": 0}


def test_deleted_and_removed_replies_are_not_listed(alice_api, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    kept = make_comment(post=post, author=bob)
    gone = make_comment(post=post, author=bob)
    Comment.objects.filter(pk=gone.pk).update(state=Comment.State.REMOVED)
    body = alice_api.get(URL).json()
    assert ids(body) == [kept.pk] and body["unread_count"] == 1


def test_pages_follow_next_to_the_end(alice_api, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    for _ in range(INBOX_PAGE_SIZE + 2):
        make_comment(post=post, author=bob)
    first = alice_api.get(URL).json()
    second = alice_api.get(first["next"]).json()
    assert len(first["results"]) == INBOX_PAGE_SIZE and len(second["results"]) == 2
    assert second["next"] is None and not set(ids(first)) & set(ids(second))


def test_a_made_up_cursor_is_a_400(alice_api):
    assert "cursor" in error(alice_api.get(URL, {"cursor": "not-a-cursor"}), 400)["fields"]


def test_bad_times_are_a_400(alice_api):
    assert (
        "up_to" in error(alice_api.post(f"{URL}read/", {"up_to": "yesterday"}, format="json"), 400)["fields"]
    )


def test_signed_out_is_refused(api):
    error(api.get(URL), 403, "not_authenticated")
    error(api.post(f"{URL}read/", {}, format="json"), 403)


def test_a_page_costs_a_fixed_number_of_queries(
    alice_api, make_post, make_comment, alice, bob, django_assert_num_queries
):
    post = make_post(author=alice)
    for _ in range(INBOX_PAGE_SIZE):
        make_comment(post=post, author=bob)
    # Session, user, the page, the unread count.
    with django_assert_num_queries(4):
        assert len(alice_api.get(URL).json()["results"]) == INBOX_PAGE_SIZE
