"""People through the API: /api/v1/leaderboard/ and /api/v1/users/{username}/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Like
from community.selectors import karma
from community.selectors import leaderboard as shared_leaderboard
from community.tests.api.helpers import error

pytestmark = pytest.mark.django_db


def karma_of(post_likes, comment_likes):
    value = karma.Karma(post_likes, comment_likes)
    return {
        "total": value.total,
        "post_likes": post_likes,
        "comment_likes": comment_likes,
        "receipt": value.receipt,
    }


def test_the_leaderboard_ranks_the_last_24_hours_with_receipts(
    api, make_user, make_post, make_comment, make_like, alice, bob
):
    carol = make_user("carol")
    post = make_post(author=alice)
    comment = make_comment(author=bob)
    make_like(bob, post)
    make_like(carol, post)
    make_like(alice, comment)
    make_like(carol, comment)
    # Older than the window, and a like of one's own: neither counts.
    make_like(make_user(), make_post(author=bob), created_at=timezone.now() - timedelta(hours=25))
    make_like(alice, make_post(author=alice))
    body = api.get("/api/v1/leaderboard/").json()
    assert body["window_hours"] == 24
    assert [(e["rank"], e["user"]["username"], e["karma"]) for e in body["entries"]] == [
        (1, "alice", karma_of(2, 0)),
        (2, "bob", karma_of(0, 2)),
    ]
    assert body["entries"][0]["karma"]["receipt"] == "2 post likes × 5 + 0 comment likes × 1 = 10"
    assert body["entries"][0]["top_items"] == [
        {
            "kind": "post",
            "id": post.pk,
            "likes": 2,
            "url": f"http://testserver/api/v1/posts/{post.pk}/",
            "html_url": f"http://testserver/posts/{post.pk}/",
        }
    ]
    assert body["entries"][1]["top_items"][0]["url"] == f"http://testserver/api/v1/comments/{comment.pk}/"


def test_the_leaderboard_is_the_shared_answer_of_the_tick(api, make_post, make_like, alice, bob, settings):
    settings.COMMUNITY_LEADERBOARD_TICK = 60
    shared_leaderboard.forget()
    try:
        first = api.get("/api/v1/leaderboard/").json()
        make_like(bob, make_post(author=alice))
        # Within the tick every reader, page or API, gets the answer computed once.
        assert api.get("/api/v1/leaderboard/").json() == first
        assert first["computed_at"] == shared_leaderboard.current().computed_at.isoformat().replace(
            "+00:00", "Z"
        )
        shared_leaderboard.forget()
        assert api.get("/api/v1/leaderboard/").json()["entries"][0]["user"]["username"] == "alice"
    finally:
        shared_leaderboard.forget()


def test_the_leaderboard_costs_the_same_queries_for_1_and_5_leaders(
    api, make_user, make_post, make_like, django_assert_num_queries
):
    fan = make_user()
    make_like(fan, make_post())
    with django_assert_num_queries(2):  # the aggregate, then names with top items
        assert len(api.get("/api/v1/leaderboard/").json()["entries"]) == 1
    for _ in range(50):
        make_like(fan, make_post())
    with django_assert_num_queries(2):
        assert len(api.get("/api/v1/leaderboard/").json()["entries"]) == karma.LEADERBOARD_SIZE


def test_a_person_has_karma_with_receipts_and_their_latest_posts_and_comments(
    api, make_user, make_post, make_comment, make_like, alice, bob
):
    old = make_post(author=alice)
    recent = make_post(author=alice, content="recent")
    comment = make_comment(author=alice, content="a comment")
    make_like(bob, old, created_at=timezone.now() - timedelta(days=3))
    make_like(bob, recent)
    make_like(bob, comment)
    body = api.get("/api/v1/users/alice/").json()
    assert body["username"] == "alice"
    assert body["url"] == "http://testserver/api/v1/users/alice/"
    assert body["html_url"] == "http://testserver/u/alice/"
    assert body["karma"] == {"all_time": karma_of(2, 1), "last_24_hours": karma_of(1, 1)}
    assert [p["id"] for p in body["recent_posts"]] == [recent.pk, old.pk]
    assert body["recent_posts"][0]["like_count"] == 1
    assert [(c["id"], c["content"], c["like_count"]) for c in body["recent_comments"]] == [
        (comment.pk, "a comment", 1)
    ]
    assert body["recent_comments"][0]["author"]["username"] == "alice"


def test_unknown_people_are_404(api):
    error(api.get("/api/v1/users/nobody/"), 404, "not_found")
    error(api.get("/api/v1/users/" + "x" * 300 + "/"), 404, "not_found")


def test_usernames_with_any_allowed_character_have_working_links(api, make_user):
    make_user("dot.plus+at@dash-")
    body = api.get("/api/v1/users/dot.plus+at@dash-/").json()
    assert api.get(body["url"]).json()["username"] == "dot.plus+at@dash-"


def test_a_person_costs_the_same_queries_for_1_and_50_items(
    api, make_user, make_post, make_comment, make_like, alice, django_assert_num_queries
):
    fan = make_user()
    api.force_login(fan)
    make_like(fan, make_post(author=alice))
    make_like(fan, make_comment(author=alice))
    # Session, user, the person, their karma, their posts, their comments.
    with django_assert_num_queries(6):
        api.get("/api/v1/users/alice/")
    for _ in range(50):
        make_like(fan, make_post(author=alice))
        make_like(fan, make_comment(author=alice))
    with django_assert_num_queries(6):
        body = api.get("/api/v1/users/alice/").json()
    assert body["karma"]["all_time"]["post_likes"] == 51
    assert Like.objects.count() == 102
