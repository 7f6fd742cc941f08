"""Karma and the leaderboard against hand-computed numbers and a brute-force sum over the like rows."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from community.models import Comment, Like, Post
from community.selectors import karma as karma_selectors
from community.tests.helpers import HTMX

pytestmark = pytest.mark.django_db


def test_karma_on_hand_built_data(make_user, make_post, make_comment, make_like):
    alice, bob, carol = make_user(), make_user(), make_user()
    post = make_post(author=alice)
    other_post = make_post(author=alice)
    comment = make_comment(author=alice, post=post)
    bobs_comment = make_comment(author=bob, post=post)
    make_like(bob, post)  # +5 alice
    make_like(carol, post)  # +5 alice
    make_like(carol, other_post, created_at=timezone.now() - timedelta(days=3))  # +5 alice, old
    make_like(bob, comment)  # +1 alice
    make_like(alice, post.__class__.objects.get(pk=post.pk))  # self-like: never counts
    make_like(alice, comment)  # self-like
    make_like(alice, bobs_comment)  # +1 bob
    karma = karma_selectors.karma_for_users([alice.pk, bob.pk, carol.pk])
    assert karma[alice.pk].all_time.total == 16
    assert (karma[alice.pk].all_time.post_likes, karma[alice.pk].all_time.comment_likes) == (3, 1)
    assert karma[alice.pk].recent.total == 11
    assert karma[alice.pk].all_time.receipt == "3 post likes × 5 + 1 comment like × 1 = 16"
    assert karma[bob.pk].all_time.total == karma[bob.pk].recent.total == 1
    assert karma[carol.pk].all_time.total == 0


def test_karma_for_many_users_is_one_query(make_user, make_post, make_like, django_assert_num_queries):
    users = [make_user() for _ in range(10)]
    for author in users:
        post = make_post(author=author)
        for fan in users[:3]:
            if fan != author:
                make_like(fan, post)
    with django_assert_num_queries(1):
        karma = karma_selectors.karma_for_users([u.pk for u in users])
    assert [karma[u.pk].all_time.total for u in users] == [10, 10, 10] + [15] * 7


def test_likes_of_hidden_comments_stop_counting(make_user, make_comment, make_like):
    alice, bob = make_user(), make_user()
    comment = make_comment(author=alice)
    make_like(bob, comment)
    assert karma_selectors.karma_for_users([alice.pk])[alice.pk].all_time.total == 1
    for state in (Comment.State.DELETED, Comment.State.REMOVED):
        Comment.objects.filter(pk=comment.pk).update(state=state)
        assert karma_selectors.karma_for_users([alice.pk])[alice.pk].all_time.total == 0
        assert karma_selectors.leaderboard() == []
    Comment.objects.filter(pk=comment.pk).update(state=Comment.State.VISIBLE)
    assert karma_selectors.karma_for_users([alice.pk])[alice.pk].all_time.total == 1


def test_leaderboard_window_boundary(make_user, make_post, make_like):
    now = timezone.now()
    inside, outside, fan = make_user(), make_user(), make_user()
    make_like(fan, make_post(author=inside), created_at=now - timedelta(hours=23, minutes=59))
    make_like(fan, make_post(author=outside), created_at=now - timedelta(hours=24, minutes=1))
    board = karma_selectors.leaderboard(now=now)
    assert [(e.user_id, e.total) for e in board] == [(inside.pk, 5)]


def test_leaderboard_ties_go_to_whoever_reached_the_total_first(make_user, make_post, make_like):
    now = timezone.now()
    early, late, fan = make_user("zed"), make_user("amy"), make_user()
    make_like(fan, make_post(author=late), created_at=now - timedelta(minutes=5))
    make_like(fan, make_post(author=early), created_at=now - timedelta(minutes=50))
    board = karma_selectors.leaderboard(now=now)
    assert [e.username for e in board] == ["zed", "amy"]
    assert [e.rank for e in board] == [1, 2]


def test_leaderboard_lists_five_and_costs_two_queries(
    make_user, make_post, make_like, django_assert_num_queries
):
    fans = [make_user() for _ in range(8)]
    authors = [make_user() for _ in range(7)]
    for n, author in enumerate(authors):
        post = make_post(author=author)
        for fan in fans[: n + 1]:
            make_like(fan, post)
    with django_assert_num_queries(2):
        board = karma_selectors.leaderboard()
    assert [e.user_id for e in board] == [a.pk for a in reversed(authors)][:5]
    assert [e.total for e in board] == [35, 30, 25, 20, 15]
    assert board[0].top_items[0]["likes"] == 7
    assert board[0].top_items[0]["url"] == f"/posts/{Post.objects.get(author=authors[-1]).pk}/"


# --- Property tests against a brute-force sum ------------------------------


@st.composite
def like_histories(draw):
    """Users, posts, comments (some hidden) and likes at random times, self-likes included."""
    n_users = draw(st.integers(min_value=1, max_value=6))
    posts = draw(st.lists(st.integers(0, n_users - 1), max_size=6))
    comments = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_users - 1), st.sampled_from(["visible", "visible", "deleted", "removed"])
            ),
            max_size=8,
        )
    )
    targets = [("post", i) for i in range(len(posts))] + [("comment", i) for i in range(len(comments))]
    likes = []
    if targets:
        pairs = draw(
            st.lists(
                st.tuples(
                    st.integers(0, n_users - 1),
                    st.sampled_from(targets),
                    # Minutes ago; includes both sides of the 24 h boundary (1440).
                    st.sampled_from([0, 1, 30, 600, 1439, 1441, 2000, 10000]),
                ),
                max_size=40,
                unique_by=lambda t: (t[0], t[1]),
            )
        )
        likes = pairs
    return n_users, posts, comments, likes


def build(history):
    n_users, posts, comments, likes = history
    User = get_user_model()
    users = [User.objects.create_user(f"u{i}") for i in range(n_users)]
    post_objs = [Post.objects.create(author=users[a], content="p") for a in posts]
    host = post_objs[0] if post_objs else Post.objects.create(author=users[0], content="host")
    comment_objs = [
        Comment.objects.create(post=host, author=users[a], content="c", state=s) for a, s in comments
    ]
    now = timezone.now()
    rows = []
    for user_index, (kind, index), minutes in likes:
        target = post_objs[index] if kind == "post" else comment_objs[index]
        rows.append(
            Like(
                user=users[user_index],
                target_type=ContentType.objects.get_for_model(target),
                target_id=target.pk,
                receiver_id=target.author_id,
                created_at=now - timedelta(minutes=minutes),
            )
        )
    Like.objects.bulk_create(rows)
    return users, now


def brute_force(users, *, since=None):
    """Karma per user id by walking every like row in Python."""
    totals = {u.pk: 0 for u in users}
    for like in Like.objects.all():
        if like.user_id == like.receiver_id or (since is not None and like.created_at < since):
            continue
        target = like.target
        if isinstance(target, Comment):
            if target.state != Comment.State.VISIBLE:
                continue
            totals[like.receiver_id] += Like.COMMENT_KARMA
        else:
            totals[like.receiver_id] += Like.POST_KARMA
    return totals


class KarmaProperties(HypothesisTestCase):
    @given(history=like_histories())
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_selector_equals_brute_force_all_time_and_24h(self, history):
        ContentType.objects.get_for_models(Post, Comment)
        users, now = build(history)
        karma = karma_selectors.karma_for_users([u.pk for u in users], now=now)
        since = now - karma_selectors.KARMA_WINDOW
        assert {pk: k.all_time.total for pk, k in karma.items()} == brute_force(users)
        assert {pk: k.recent.total for pk, k in karma.items()} == brute_force(users, since=since)

    @given(history=like_histories())
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_leaderboard_equals_brute_force_top_five(self, history):
        users, now = build(history)
        board = karma_selectors.leaderboard(now=now)
        expected = brute_force(users, since=now - karma_selectors.KARMA_WINDOW)
        ranked = sorted((pk for pk, total in expected.items() if total > 0), key=lambda pk: -expected[pk])
        assert [e.total for e in board] == [expected[pk] for pk in ranked][:5]
        assert {e.user_id: e.total for e in board}.items() <= {pk: expected[pk] for pk in ranked}.items()
        assert all(e.total > 0 for e in board)
        if len(ranked) <= 5:
            assert {e.user_id for e in board} == set(ranked)


# --- Pages -----------------------------------------------------------------


def test_profile_shows_karma_with_receipts_and_recent_items(
    client, make_user, make_post, make_comment, make_like
):
    alice, bob = make_user("alice"), make_user("bob")
    post = make_post(author=alice, content="alice's post")
    make_comment(author=alice, post=post, content="alice's comment")
    make_like(bob, post)
    make_like(bob, make_post(author=alice), created_at=timezone.now() - timedelta(days=2))
    body = client.get("/u/alice/").content.decode()
    assert 'data-karma-total="10"' in body
    assert 'data-karma-24h="5"' in body
    assert "2 post likes × 5 + 0 comment likes × 1 = 10" in body
    assert "alice&#x27;s comment" in body
    assert "Joined" in body
    assert client.get("/u/nobody/").status_code == 404


def test_leaderboard_page_and_fragment(client, make_user, make_post, make_like, django_assert_num_queries):
    fan = make_user()
    for n in range(3):
        author = make_user(f"author{n}")
        for _ in range(n + 1):
            make_like(make_user(), make_post(author=author))
        make_like(fan, make_post(author=author))
    with django_assert_num_queries(2):
        fragment = client.get("/leaderboard/", **HTMX)
    body = fragment.content.decode()
    assert "<html" not in body
    assert body.index('data-username="author2" data-karma="20"') < body.index(
        'data-username="author0" data-karma="10"'
    )
    assert "as of" in body
    with django_assert_num_queries(2):
        page = client.get("/leaderboard/")
    assert "<html" in page.content.decode()
    assert "Pause live updates" in page.content.decode()


def test_leaderboard_query_count_does_not_grow_with_likes(
    client, make_user, make_post, make_like, django_assert_num_queries
):
    author = make_user()
    posts = [make_post(author=author) for _ in range(5)]
    for _ in range(20):
        fan = make_user()
        for post in posts:
            make_like(fan, post)
    with django_assert_num_queries(2):
        client.get("/leaderboard/", **HTMX)


def test_empty_leaderboard_is_friendly(client):
    assert "No karma earned in the last 24 hours yet" in client.get("/leaderboard/").content.decode()
