import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from community.models import Comment, PostVisit
from community.services.visits import READING
from community.tests.helpers import HTMX

pytestmark = pytest.mark.django_db


def new_ids(response) -> list[int]:
    html = response.content.decode()
    return [int(i) for i in re.findall(r'<article id="comment-(\d+)"[^>]* data-new[ >]', html)]


def visit(client, post, *, ago: timedelta):
    """Open the post's page, then move that visit back by `ago`."""
    client.get(post.get_absolute_url())
    PostVisit.objects.update(visited_at=timezone.now() - ago)


def test_first_visit_marks_nothing_and_records_the_visit(alice_client, alice, make_post, make_comment, bob):
    post = make_post(author=bob)
    make_comment(post=post, author=bob)
    response = alice_client.get(post.get_absolute_url())
    assert new_ids(response) == []
    assert "data-new-badge" not in response.content.decode()
    assert PostVisit.objects.filter(user=alice, post=post).count() == 1


def test_comments_since_the_previous_visit_are_marked_new(
    alice_client, alice, make_post, make_comment, bob, make_user
):
    post = make_post(author=bob)
    old = make_comment(post=post, author=bob, created_at=timezone.now() - timedelta(hours=2))
    visit(alice_client, post, ago=timedelta(hours=1))
    fresh = make_comment(post=post, author=bob)
    reply = make_comment(parent=old, author=make_user())
    make_comment(post=post, author=alice)  # your own is never new to you
    gone = make_comment(post=post, author=bob)
    Comment.objects.filter(pk=gone.pk).update(state=Comment.State.DELETED)
    response = alice_client.get(post.get_absolute_url())
    assert sorted(new_ids(response)) == sorted([fresh.pk, reply.pk])
    html = response.content.decode()
    assert html.count('data-new-badge>new<span class="sr-only"> since your last visit</span>') == 2
    assert 'data-new-count="2"' in html and "2 new comments since your last visit" in html
    assert f'href="/comments/{fresh.pk}/" class="font-medium text-orange-800 underline" data-next-new' in html
    # A reload is the same reading: the marks stay.
    assert sorted(new_ids(alice_client.get(post.get_absolute_url()))) == sorted([fresh.pk, reply.pk])
    # The next reading, a while later, starts from the last visit: nothing
    # is new any more.
    later = timezone.now() + READING + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert new_ids(alice_client.get(post.get_absolute_url())) == []
        assert new_ids(alice_client.get(post.get_absolute_url())) == []


def test_comments_written_during_the_first_reading_are_new_at_its_reload(
    alice_client, make_post, make_comment, bob
):
    post = make_post(author=bob)
    top = make_comment(post=post, author=bob)
    assert new_ids(alice_client.get(post.get_absolute_url())) == []
    reply = make_comment(parent=top, author=bob)
    assert new_ids(alice_client.get(post.get_absolute_url())) == [reply.pk]
    assert new_ids(alice_client.get(top.get_absolute_url())) == [reply.pk]


def test_each_reader_has_their_own_visits(client, alice_client, bob, make_user, make_post, make_comment):
    post = make_post(author=make_user())
    visit(alice_client, post, ago=timedelta(hours=1))
    make_comment(post=post, author=make_user())
    client.force_login(bob)
    assert new_ids(client.get(post.get_absolute_url())) == []
    assert PostVisit.objects.filter(post=post).count() == 2


def test_signed_out_readers_leave_no_visit(client, make_post):
    post = make_post()
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200 and "data-new" not in response.content.decode()
    assert not PostVisit.objects.exists()


def test_more_comments_fragments_do_not_move_the_visit(alice_client, make_post, make_comment, bob):
    post = make_post(author=bob)
    visit(alice_client, post, ago=timedelta(hours=1))
    before = PostVisit.objects.get().visited_at
    alice_client.get(post.get_absolute_url(), {"after": 1}, **HTMX)
    assert PostVisit.objects.get().visited_at == before


def test_the_threads_other_pages_mark_what_the_visit_marked(
    alice_client, alice, make_post, make_comment, bob, make_user
):
    now = timezone.now()
    post = make_post(author=bob, created_at=now - timedelta(hours=6))
    top = make_comment(post=post, author=bob, created_at=now - timedelta(hours=5))
    visit(alice_client, post, ago=timedelta(hours=4))
    reply = make_comment(parent=top, author=make_user(), created_at=now - timedelta(hours=3))
    assert new_ids(alice_client.get(post.get_absolute_url())) == [reply.pk]
    PostVisit.objects.update(visited_at=now - timedelta(hours=2))
    # The "read the first" link's page, a continued thread, and replies
    # loaded in place agree with the post's page, until the next reading.
    assert new_ids(alice_client.get(reply.get_absolute_url())) == [reply.pk]
    assert new_ids(alice_client.get(top.get_absolute_url())) == [reply.pk]
    fragment = alice_client.get(top.get_absolute_url(), {"fragment": "replies"}, **HTMX)
    assert new_ids(fragment) == [reply.pk]
    later = make_comment(parent=top, author=make_user(), created_at=now - timedelta(hours=1))
    assert sorted(new_ids(alice_client.get(top.get_absolute_url()))) == sorted([reply.pk, later.pk])
    # The next reading starts from the visit two hours ago.
    assert new_ids(alice_client.get(post.get_absolute_url())) == [later.pk]
    assert new_ids(alice_client.get(top.get_absolute_url())) == [later.pk]


def test_more_top_level_comments_loaded_in_place_are_marked(
    alice_client, make_post, make_comment, bob, settings
):
    from community.comment_tree import WINDOW_SIZE

    post = make_post(author=bob)
    start = timezone.now() - timedelta(hours=3)
    for i in range(WINDOW_SIZE + 1):
        make_comment(post=post, author=bob, created_at=start + timedelta(seconds=i))
    visit(alice_client, post, ago=timedelta(hours=1))
    fresh = make_comment(post=post, author=bob)
    page = alice_client.get(post.get_absolute_url())
    after = re.search(r"\?after=(\d+)", page.content.decode())
    assert after, "the page links to the comments after its window"
    fragment = alice_client.get(post.get_absolute_url(), {"after": after.group(1)}, **HTMX)
    assert fresh.pk in new_ids(fragment)


def test_visits_go_with_the_post(alice_client, alice, make_post):
    post = make_post(author=alice)
    alice_client.get(post.get_absolute_url())
    alice_client.post(f"/posts/{post.pk}/delete/")
    assert not PostVisit.objects.exists()


def test_the_key_is_in_the_help(client):
    assert (
        "<dt><kbd>g</kbd></dt><dd>Next comment marked new since your last visit</dd>"
        in client.get("/").content.decode()
    )


@pytest.mark.parametrize("count", [1, 50])
def test_a_visit_adds_two_queries_to_the_post_page(
    client, make_user, make_post, make_comment, count, django_assert_num_queries
):
    reader = make_user()
    client.force_login(reader)
    post = make_post()
    for _ in range(count):
        make_comment(post=post)
    # session, user, post with counts and the previous visit, every comment, the upsert
    with django_assert_num_queries(5):
        client.get(post.get_absolute_url())
    PostVisit.objects.update(visited_at=timezone.now() - timedelta(hours=1))
    Comment.objects.update(created_at=timezone.now())
    with django_assert_num_queries(5):
        response = client.get(post.get_absolute_url())
    assert len(new_ids(response)) == count


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_visits_by_one_reader_leave_one_row():
    from django.contrib.auth import get_user_model

    from community.models import Post
    from community.tests.helpers import logged_in
    from community.tests.test_concurrency import run_together

    user_model = get_user_model()
    reader = user_model.objects.create_user("reader")
    post = Post.objects.create(author=user_model.objects.create_user("author"), content="p")
    clients = [logged_in(reader) for _ in range(20)]
    results = run_together([lambda c=c: c.get(post.get_absolute_url()) for c in clients])
    assert [getattr(r, "status_code", r) for r in results] == [200] * 20
    assert PostVisit.objects.filter(user=reader, post=post).count() == 1
