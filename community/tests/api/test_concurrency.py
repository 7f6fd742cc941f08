"""
API likes under real concurrency: threads with their own database
connections, on PostgreSQL (SQLite serialises writers, so it proves nothing
here), as community/tests/test_concurrency.py does for the pages.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from community.models import Comment, Like, Post
from community.tests.api.helpers import signed_in
from community.tests.test_concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"),
]

User = get_user_model()


@pytest.fixture
def comment():
    author = User.objects.create_user("author")
    post = Post.objects.create(author=author, content="p")
    return Comment.objects.create(post=post, author=author, content="c")


def statuses(results):
    return [getattr(result, "status_code", result) for result in results]


def test_50_simultaneous_puts_by_one_user_leave_one_like_and_all_answer_200(comment):
    fan = User.objects.create_user("fan")
    clients = [signed_in(fan) for _ in range(50)]
    url = f"/api/v1/comments/{comment.pk}/like/"
    results = run_together([lambda c=c: c.put(url) for c in clients])
    assert statuses(results) == [200] * 50
    assert all(result.json() == {"like_count": 1, "liked": True} for result in results)
    assert Like.objects.filter(user=fan).count() == 1


def test_100_users_liking_one_post_at_once_leave_100_likes(comment):
    fans = User.objects.bulk_create(User(username=f"fan{i}") for i in range(100))
    url = f"/api/v1/posts/{comment.post_id}/like/"
    clients = [signed_in(fan) for fan in fans]
    results = run_together([lambda c=c: c.put(url) for c in clients])
    assert statuses(results) == [200] * 100
    assert Like.objects.filter(target_id=comment.post_id).values("user").distinct().count() == 100
    assert max(result.json()["like_count"] for result in results) == 100


def test_puts_racing_deletes_end_with_zero_or_one_like(comment):
    fan = User.objects.create_user("fan")
    url = f"/api/v1/comments/{comment.pk}/like/"
    for _ in range(5):
        clients = [signed_in(fan) for _ in range(20)]
        calls = [lambda c=c, i=i: (c.put if i % 2 else c.delete)(url) for i, c in enumerate(clients)]
        results = run_together(calls)
        assert statuses(results) == [200] * 20
        assert Like.objects.filter(user=fan).count() in (0, 1)


def test_a_like_racing_the_posts_deletion_leaves_no_orphan_and_no_500(comment):
    fan = User.objects.create_user("fan")
    post = comment.post
    owner = signed_in(post.author)
    clients = [signed_in(fan) for _ in range(10)]
    calls = [lambda: owner.delete(f"/api/v1/posts/{post.pk}/")] + [
        lambda c=c: c.put(f"/api/v1/posts/{post.pk}/like/") for c in clients
    ]
    results = run_together(calls)
    assert all(getattr(r, "status_code", None) in (200, 204, 404) for r in results), statuses(results)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Like.objects.exists()


def test_the_same_post_sent_ten_times_at_once_makes_one(comment):
    author = User.objects.create_user("writer")
    clients = [signed_in(author) for _ in range(10)]
    results = run_together(
        [lambda c=c: c.post("/api/v1/posts/", {"content": "Once"}, format="json") for c in clients]
    )
    assert statuses(results) == [201] * 10
    assert len({result.json()["id"] for result in results}) == 1
    assert Post.objects.filter(author=author).count() == 1
