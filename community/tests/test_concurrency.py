"""
Likes under real concurrency: threads with their own database connections,
on PostgreSQL (SQLite serialises writers, so it proves nothing here).
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from community.models import Comment, Like, Post
from community.tests.helpers import HTMX, logged_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"),
]

User = get_user_model()


# PostgreSQL's default max_connections is 100; each thread holds one.
MAX_THREADS = 50


def run_together(calls):
    """
    Run the callables from up to MAX_THREADS threads released at the same
    instant, each taking the next call as soon as it is free; return the
    results in order (an exception in place of a result).
    """
    barrier = threading.Barrier(min(len(calls), MAX_THREADS))
    results = [None] * len(calls)
    pending = iter(list(enumerate(calls)))
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait(timeout=30)
            while True:
                with lock:
                    index, call = next(pending, (None, None))
                if call is None:
                    return
                try:
                    results[index] = call()
                except Exception as exc:  # noqa: BLE001 - reported to the test
                    results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(min(len(calls), MAX_THREADS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def comment():
    author = User.objects.create_user("author")
    post = Post.objects.create(author=author, content="p")
    return Comment.objects.create(post=post, author=author, content="c")


def test_50_simultaneous_likes_by_one_user_leave_one_row(comment):
    fan = User.objects.create_user("fan")
    clients = [logged_in(fan) for _ in range(50)]
    url = f"/comments/{comment.pk}/like/"
    results = run_together([lambda c=c: c.post(url, **HTMX) for c in clients])
    assert [getattr(r, "status_code", r) for r in results] == [200] * 50
    assert Like.objects.filter(user=fan).count() == 1


def test_200_users_liking_one_comment_at_once_leave_200_rows(comment):
    fans = User.objects.bulk_create(User(username=f"fan{i}") for i in range(200))
    clients = [logged_in(fan) for fan in fans]
    url = f"/comments/{comment.pk}/like/"
    results = run_together([lambda c=c: c.post(url) for c in clients])
    assert [getattr(r, "status_code", r) for r in results] == [302] * 200
    assert Like.objects.filter(target_id=comment.pk).count() == 200
    assert Like.objects.filter(target_id=comment.pk).values("user").distinct().count() == 200


def test_like_and_unlike_racing_end_with_zero_or_one_row(comment):
    fan = User.objects.create_user("fan")
    for _ in range(5):
        clients = [logged_in(fan) for _ in range(20)]
        calls = [
            lambda c=c, i=i: c.post(f"/comments/{comment.pk}/{'like' if i % 2 else 'unlike'}/")
            for i, c in enumerate(clients)
        ]
        results = run_together(calls)
        assert [getattr(r, "status_code", r) for r in results] == [302] * 20
        assert Like.objects.filter(user=fan).count() in (0, 1)


def test_a_like_racing_a_post_delete_leaves_no_orphan(comment):
    fan = User.objects.create_user("fan")
    post = comment.post
    owner = logged_in(post.author)
    clients = [logged_in(fan) for _ in range(10)]
    calls = [lambda: owner.post(f"/posts/{post.pk}/delete/")] + [
        lambda c=c: c.post(f"/posts/{post.pk}/like/") for c in clients
    ]
    results = run_together(calls)
    assert all(getattr(r, "status_code", None) in (302, 404) for r in results), results
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Like.objects.exists()
