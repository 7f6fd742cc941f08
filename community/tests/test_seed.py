"""
The seed commands: seed_demo is idempotent and shaped for a demo; seed_bench
loads exactly what it is asked for, with consistent comments and likes, on
whichever database the suite runs on (COPY on PostgreSQL, bulk_create on
SQLite). Both are tested through the commands, as a developer runs them.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.utils import timezone

from community.models import Comment, Like, Post

User = get_user_model()

TINY = {"users": 30, "posts": 40, "comments": 300, "likes": 500, "big_thread": 50, "chain": 30}


def seed_demo():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def seed_bench(**options):
    out = StringIO()
    call_command("seed_bench", stdout=out, **{**TINY, **options})
    return out.getvalue()


def planted(output):
    """The ids of the big thread's post and the chain that seed_bench prints."""
    found = re.search(
        r"big-thread post (\d+), chain post (\d+), chain root comment (\d+), chain leaf comment (\d+)", output
    )
    return dict(
        zip(
            ("big_thread_post_id", "chain_post_id", "chain_root_id", "chain_leaf_id"),
            map(int, found.groups()),
            strict=True,
        )
    )


def counts():
    return {
        "users": User.objects.count(),
        "posts": Post.objects.count(),
        "comments": Comment.objects.count(),
        "likes": Like.objects.count(),
    }


def depths():
    """Depth of every comment (top-level comments are 1), computed from parent links."""
    parents = dict(Comment.objects.values_list("id", "parent_id"))
    depth = {}
    for comment_id in parents:
        path = []
        node = comment_id
        while node is not None and node not in depth:
            path.append(node)
            node = parents[node]
        known = 0 if node is None else depth[node]
        for offset, visited in enumerate(reversed(path), start=1):
            depth[visited] = known + offset
    return depth


def assert_likes_consistent():
    post_type = ContentType.objects.get_for_model(Post)
    comment_type = ContentType.objects.get_for_model(Comment)
    authors = {
        post_type.id: dict(Post.objects.values_list("id", "author_id")),
        comment_type.id: dict(Comment.objects.values_list("id", "author_id")),
    }
    likes = list(Like.objects.values_list("user_id", "target_type_id", "target_id", "receiver_id"))
    assert likes
    assert not [like for like in likes if like[0] == like[3]], "self-likes"
    assert all(receiver == authors[type_id][target_id] for _, type_id, target_id, receiver in likes)
    duplicates = (
        Like.objects.values("user", "target_type", "target_id").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert not Like.objects.filter(created_at__gt=timezone.now()).exists()


def assert_comments_consistent():
    replies = Comment.objects.filter(parent__isnull=False)
    assert not replies.exclude(parent__post=F("post")).exists()
    assert not replies.exclude(created_at__gt=F("parent__created_at")).exists()
    assert not Comment.objects.exclude(created_at__gt=F("post__created_at")).exists()
    # Each comment names the author it answers, as the site records it for inboxes.
    assert not replies.exclude(reply_to_user=F("parent__author")).exists()
    assert not Comment.objects.filter(parent=None).exclude(reply_to_user=F("post__author")).exists()


@pytest.mark.django_db
def test_seed_demo_twice_creates_the_same_data_once():
    output = seed_demo()
    first = counts()

    again = seed_demo()

    assert counts() == first
    assert first["users"] == 12
    assert 15 <= first["posts"] <= 25
    assert first["comments"] > first["posts"]
    assert first["likes"] > 50
    assert "community-demo" in output
    assert "nothing to do" in again
    assert User.objects.get(username="maya").check_password("community-demo")


@pytest.mark.django_db
def test_seed_demo_has_deep_threads_and_a_busy_last_day():
    seed_demo()

    assert max(depths().values()) >= 5
    assert_likes_consistent()
    assert_comments_consistent()
    recent = Like.objects.filter(created_at__gte=timezone.now() - timedelta(hours=24))
    assert recent.values("receiver").distinct().count() >= 3
    assert not Like.objects.filter(created_at__lt=timezone.now() - timedelta(days=2, minutes=1)).exists()
    assert Comment.objects.hidden().exists()


@pytest.mark.django_db
def test_seed_bench_creates_exactly_what_was_asked():
    output = seed_bench()

    assert counts() == {
        "users": TINY["users"],
        "posts": TINY["posts"] + 2,
        "comments": TINY["comments"] + TINY["big_thread"] + TINY["chain"],
        "likes": TINY["likes"],
    }
    assert "bench-password" in output
    assert User.objects.get(username="user00001").check_password("bench-password")


@pytest.mark.django_db
def test_seed_bench_likes_and_comments_are_consistent():
    seed_bench()

    assert_likes_consistent()
    assert_comments_consistent()
    post_type = ContentType.objects.get_for_model(Post)
    assert Like.objects.filter(target_type=post_type).exists()
    assert Like.objects.exclude(target_type=post_type).exists()
    day = Like.objects.filter(created_at__gte=timezone.now() - timedelta(hours=24)).count()
    # About 1 in 30 at full size; a tiny run only shows it loosely.
    assert 1 <= day <= TINY["likes"] // 5
    assert not Like.objects.filter(created_at__lt=timezone.now() - timedelta(days=30, minutes=1)).exists()


@pytest.mark.django_db
def test_seed_bench_stores_likes_in_the_order_they_happened():
    # As a live table: ids (and so the table's pages) follow created_at, and
    # the last 24 hours are the last rows.
    seed_bench()
    times = list(Like.objects.order_by("id").values_list("created_at", flat=True))
    assert len(times) == TINY["likes"]
    assert times == sorted(times)


@pytest.mark.django_db
def test_seed_bench_marks_the_big_thread_and_the_chain():
    ids = planted(seed_bench())

    assert Comment.objects.filter(post_id=ids["big_thread_post_id"]).count() == TINY["big_thread"]
    chain = Comment.objects.filter(post_id=ids["chain_post_id"])
    assert chain.count() == TINY["chain"]
    assert list(chain.filter(parent__isnull=True).values_list("id", flat=True)) == [ids["chain_root_id"]]
    depth = depths()
    assert depth[ids["chain_leaf_id"]] == TINY["chain"]
    assert max(depth[c] for c in chain.values_list("id", flat=True)) == TINY["chain"]
    # The chain post holds the deepest thread; the big thread the most comments.
    assert max(depth.values()) == TINY["chain"]
    busiest = Post.objects.annotate(n=Count("comments")).order_by("-n").first()
    assert busiest.id == ids["big_thread_post_id"]


@pytest.mark.django_db
def test_seed_bench_is_deterministic_for_a_seed():
    def snapshot():
        return (
            list(Post.objects.order_by("id").values_list("author__username", "content")),
            list(
                Comment.objects.order_by("id").values_list("author__username", "content", "parent__content")
            ),
        )

    seed_bench(seed=7)
    first = snapshot()
    seed_bench(seed=7, reset=True)

    assert snapshot() == first


@pytest.mark.django_db
def test_seed_bench_refuses_a_database_with_posts_unless_reset():
    seed_demo()
    admin = User.objects.create_superuser("admin", "admin@example.com", "admin-password")

    with pytest.raises(CommandError, match="--reset"):
        seed_bench()
    assert counts()["posts"] == 20

    seed_bench(reset=True)

    assert not User.objects.filter(username="maya").exists()
    assert User.objects.filter(pk=admin.pk).exists()
    assert counts()["users"] == TINY["users"] + 1
    assert counts()["posts"] == TINY["posts"] + 2


@pytest.mark.django_db
def test_seed_bench_refuses_more_likes_than_fit():
    with pytest.raises(CommandError, match="do not fit"):
        seed_bench(users=2, posts=1, comments=0, big_thread=0, chain=1, likes=5)
