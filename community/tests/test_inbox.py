import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from community.models import Comment, InboxMark
from community.selectors.inbox import INBOX_PAGE_SIZE, inbox_page, unread_count
from community.services.inbox import inbox_mark_read
from community.tests.helpers import HTMX, logged_in

pytestmark = pytest.mark.django_db


def shown_ids(response):
    return [reply.pk for reply in response.context["replies"]]


def walk_inbox(client):
    seen, cursor = [], None
    for _ in range(100):
        response = client.get("/inbox/", {"cursor": cursor} if cursor else {})
        seen += shown_ids(response)
        cursor = response.context["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


def header_count(client) -> int:
    html = client.get("/inbox/unread/").content.decode()
    return int(re.search(r'data-unread-count="(\d+)"', html).group(1))


def test_a_comment_answers_the_parent_author_or_the_post_author(alice_client, make_post, make_comment, bob):
    post = make_post(author=bob)
    alice_client.post(f"/posts/{post.pk}/comments/", {"content": "top"})
    top = Comment.objects.get(content="top")
    assert top.reply_to_user_id == bob.pk
    theirs = make_comment(post=post, author=bob)
    alice_client.post(f"/posts/{post.pk}/comments/", {"content": "reply", "parent": theirs.pk})
    assert Comment.objects.get(content="reply").reply_to_user_id == bob.pk


def test_inbox_lists_replies_to_you_by_other_people_newest_first(
    alice_client, make_post, make_comment, alice, bob, make_user
):
    mine = make_post(author=alice)
    theirs = make_post(author=bob)
    my_comment = make_comment(post=theirs, author=alice)
    on_my_post = make_comment(post=mine, author=bob, content="on your post")
    reply = make_comment(parent=my_comment, author=bob, content="reply to you")
    make_comment(post=mine, author=alice)  # your own comment on your post
    make_comment(parent=my_comment, author=alice)  # your reply to yourself
    make_comment(post=theirs, author=make_user())  # on someone else's post
    deeper = make_comment(parent=on_my_post, author=make_user())  # answers bob, not you
    assert deeper.reply_to_user_id == bob.pk
    response = alice_client.get("/inbox/")
    assert shown_ids(response) == [reply.pk, on_my_post.pk]
    html = response.content.decode()
    assert "reply to you" in html and "replied to your comment" in html
    assert "commented on your post" in html
    assert f'href="/comments/{reply.pk}/"' in html


def test_deleted_and_removed_replies_vanish(alice_client, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    kept = make_comment(post=post, author=bob)
    deleted = make_comment(post=post, author=bob)
    removed = make_comment(post=post, author=bob)
    Comment.objects.filter(pk=deleted.pk).update(state=Comment.State.DELETED)
    Comment.objects.filter(pk=removed.pk).update(state=Comment.State.REMOVED)
    assert unread_count(alice) == 1
    assert shown_ids(alice_client.get("/inbox/")) == [kept.pk]


def test_replies_keep_their_context_when_what_they_answer_is_deleted(
    alice_client, make_post, make_comment, alice, bob
):
    mine = make_comment(post=make_post(author=bob), author=alice, content="my words")
    make_comment(parent=mine, author=bob, content="the answer")
    Comment.objects.filter(pk=mine.pk).update(state=Comment.State.DELETED)
    html = alice_client.get("/inbox/").content.decode()
    assert "the answer" in html and "[deleted]" in html and "my words" not in html


def test_opening_the_inbox_marks_what_it_shows_read(alice_client, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    old = make_comment(post=post, author=bob)
    assert header_count(alice_client) == 1
    first = alice_client.get("/inbox/")
    assert [r.unread for r in first.context["replies"]] == [True]
    assert "data-unread-badge" in first.content.decode()
    assert header_count(alice_client) == 0
    new = make_comment(post=post, author=bob)
    assert header_count(alice_client) == 1
    second = alice_client.get("/inbox/")
    assert [(r.pk, r.unread) for r in second.context["replies"]] == [(new.pk, True), (old.pk, False)]
    assert header_count(alice_client) == 0


def test_mark_all_read_covers_replies_the_page_did_not_show(
    alice_client, make_post, make_comment, alice, bob
):
    post = make_post(author=alice)
    make_comment(post=post, author=bob)
    make_comment(post=post, author=bob)
    response = alice_client.post("/inbox/read/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert header_count(alice_client) == 0
    assert alice_client.get("/inbox/read/").status_code == 405


def test_the_mark_only_moves_forward(alice, make_post, make_comment, bob):
    post = make_post(author=alice)
    make_comment(post=post, author=bob, created_at=timezone.now() - timedelta(hours=1))
    now = timezone.now()
    inbox_mark_read(user=alice, up_to=now)
    inbox_mark_read(user=alice, up_to=now - timedelta(days=1))
    assert InboxMark.objects.get(user=alice).read_up_to == now
    assert unread_count(alice) == 0


def test_signed_out_readers_are_sent_to_log_in(client):
    response = client.get("/inbox/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/inbox/")
    assert client.post("/inbox/read/").status_code == 302
    assert client.get("/inbox/unread/").content.strip() == b""


def test_header_count_is_hidden_at_zero_and_polls_at_the_leaderboard_rhythm(
    alice_client, make_post, make_comment, alice, bob, settings
):
    html = alice_client.get("/inbox/unread/").content.decode()
    assert 'data-unread-count="0"' in html and " hidden" in html
    assert f"every {settings.COMMUNITY_LEADERBOARD_POLL_SECONDS}s" in html and "load," not in html
    make_comment(post=make_post(author=alice), author=bob)
    html = alice_client.get("/inbox/unread/", **HTMX).content.decode()
    assert 'data-unread-count="1"' in html and " hidden" not in html
    assert alice_client.get("/inbox/unread/")["Cache-Control"].startswith("max-age=0")


def test_the_header_counts_no_further_than_it_shows(
    alice_client, make_post, make_comment, alice, bob, monkeypatch, django_assert_num_queries
):
    from community.selectors import inbox as inbox_selectors

    monkeypatch.setattr(inbox_selectors, "UNREAD_SHOWN_MAX", 3)
    post = make_post(author=alice)
    for expected, label in [(3, ">3<"), (4, ">3+<")]:
        while Comment.objects.replies_to(alice).count() < expected:
            make_comment(post=post, author=bob)
        html = alice_client.get("/inbox/unread/").content.decode()
        assert f'data-unread-count="{expected}"' in html and label in html
    for _ in range(5):
        make_comment(post=post, author=bob)
    with django_assert_num_queries(3) as captured:
        html = alice_client.get("/inbox/unread/").content.decode()
    assert 'data-unread-count="4"' in html and ">3+<" in html
    assert "LIMIT 4" in captured.captured_queries[-1]["sql"]
    assert unread_count(alice) == 9


def test_every_page_carries_the_inbox_link_and_loads_its_count(alice_client, make_post, alice):
    post = make_post(author=alice)
    for url in ["/", post.get_absolute_url(), "/u/alice/", "/leaderboard/"]:
        html = alice_client.get(url).content.decode()
        assert 'href="/inbox/"' in html and 'hx-get="/inbox/unread/"' in html
        assert 'hx-trigger="load, every' in html and "data-unread-count" in html


def test_keyset_pages_walk_every_reply_once(alice_client, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    moment = timezone.now() - timedelta(minutes=5)
    replies = [make_comment(post=post, author=bob, created_at=moment) for _ in range(INBOX_PAGE_SIZE + 3)]
    replies += [make_comment(post=post, author=bob) for _ in range(INBOX_PAGE_SIZE)]
    expected = [c.pk for c in sorted(replies, key=lambda c: (c.created_at, c.pk), reverse=True)]
    assert walk_inbox(alice_client) == expected


def test_older_replies_come_as_a_fragment_for_htmx(alice_client, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    for _ in range(INBOX_PAGE_SIZE + 1):
        make_comment(post=post, author=bob)
    cursor = alice_client.get("/inbox/").context["next_cursor"]
    fragment = alice_client.get("/inbox/", {"cursor": cursor}, **HTMX).content.decode()
    assert "<html" not in fragment and fragment.count('data-item="reply"') == 1
    assert "That's every reply." in fragment


@pytest.mark.parametrize("cursor", ["garbage", "", "%%%", "MjAyNi0wMS0wMXw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_odd_cursors_give_the_first_page(alice_client, cursor):
    assert alice_client.get("/inbox/", {"cursor": cursor}).status_code == 200


def test_the_count_is_one_query(alice, make_post, make_comment, bob, django_assert_num_queries):
    make_comment(post=make_post(author=alice), author=bob)
    with django_assert_num_queries(1):
        assert unread_count(alice) == 1


def test_the_fragment_costs_three_queries(alice_client, django_assert_num_queries):
    with django_assert_num_queries(3):  # session, user, count
        alice_client.get("/inbox/unread/")


@pytest.mark.parametrize("count", [1, 50])
def test_inbox_page_queries_do_not_grow_with_replies(
    alice_client, make_post, make_comment, make_user, alice, count, django_assert_num_queries
):
    post = make_post(author=alice)
    mine = make_comment(post=make_post(author=make_user()), author=alice)
    for i in range(count):
        parent = mine if i % 2 else None
        make_comment(post=post if parent is None else mine.post, parent=parent, author=make_user())
    # session, user, the page of replies with their context, moving the mark
    with django_assert_num_queries(4):
        response = alice_client.get("/inbox/")
    assert len(response.context["replies"]) == min(count, INBOX_PAGE_SIZE)


def test_the_migration_fills_whom_existing_comments_answer(make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    top = make_comment(post=post, author=bob)
    reply = make_comment(parent=top, author=alice)
    Comment.objects.update(reply_to_user=None)
    migration = importlib.import_module("community.migrations.0010_reply_to_user_inbox_mark")
    migration.fill_reply_to_user(apps, None)
    assert Comment.objects.get(pk=top.pk).reply_to_user_id == alice.pk
    assert Comment.objects.get(pk=reply.pk).reply_to_user_id == bob.pk


def test_inbox_page_selector_is_one_query(alice, make_post, make_comment, bob, django_assert_num_queries):
    make_comment(post=make_post(author=alice), author=bob)
    with django_assert_num_queries(1):
        replies, _ = inbox_page(user=alice, cursor=None)
        assert [r.post.author.username for r in replies] == ["alice"]


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")


@pytest.mark.postgres
@on_postgresql
def test_the_count_reads_the_reply_index(alice):
    from community.models import Comment as CommentModel

    queryset = CommentModel.objects.replies_to(alice)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.filter(created_at__gt=timezone.now()).explain()
    assert "comment_reply_to_idx" in plan


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_are_all_counted():
    from django.contrib.auth import get_user_model

    from community.models import Post
    from community.tests.test_concurrency import run_together

    user_model = get_user_model()
    owner = user_model.objects.create_user("owner")
    post = Post.objects.create(author=owner, content="p")
    mine = Comment.objects.create(post=post, author=owner, content="c")
    people = user_model.objects.bulk_create(user_model(username=f"replier{i}") for i in range(30))
    clients = [logged_in(person) for person in people]
    calls = [
        lambda c=c, i=i: c.post(
            f"/posts/{post.pk}/comments/", {"content": f"reply {i}", "parent": mine.pk if i % 2 else ""}
        )
        for i, c in enumerate(clients)
    ]
    # The owner marks everything read while the replies arrive.
    reader = logged_in(owner)
    results = run_together([*calls, lambda: reader.post("/inbox/read/")])
    assert [getattr(r, "status_code", r) for r in results] == [302] * 31
    mark = InboxMark.objects.get(user=owner).read_up_to
    replies = Comment.objects.replies_to(owner)
    assert replies.count() == 30
    assert unread_count(owner) == replies.filter(created_at__gt=mark).count()
    inbox_mark_read(user=owner)
    assert unread_count(owner) == 0
    assert len(walk_inbox(reader)) == 30
