"""The comment tree, its windows, and walking every page of a thread."""

import gc
import random
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community import comment_tree
from community.models import Comment, Post

pytestmark = pytest.mark.django_db


def row(id, parent_id, minute, state="visible"):
    return {
        "id": id,
        "parent_id": parent_id,
        "post_id": 1,
        "author_id": 1,
        "author__username": "a",
        "content": f"c{id}",
        "created_at": timezone.now() + timedelta(minutes=minute),
        "edited_at": None,
        "state": state,
        "like_count": 0,
        "liked": False,
    }


def window_ids(window):
    """Ids of every comment a window shows, in reading order."""
    ids, stack = [], list(reversed(window.comments))
    while stack:
        shown = stack.pop()
        ids.append(shown.node.id)
        stack.extend(reversed(shown.children))
    return ids


def all_pages(tree, *, max_depth, size):
    """
    Follow every "continue this thread" and "more replies" link from the
    first page, as a reader would; returns the ids shown by every page.
    """
    shown = []
    pages = [(tree.roots, None)]
    while pages:
        siblings, after = pages.pop()
        window = comment_tree.thread_window(siblings, after=after, max_depth=max_depth, size=size)
        shown += window_ids(window)
        if window.more_count:
            pages.append((siblings, window.more_after))
        stack = list(window.comments)
        while stack:
            item = stack.pop()
            if item.continues:
                pages.append((item.node.replies, None))
            if item.more_count:
                pages.append((item.node.replies, item.more_after))
            stack.extend(item.children)
    return shown


def test_tree_links_replies_depths_positions_and_counts():
    rows = [row(1, None, 0), row(2, 1, 1), row(3, None, 2), row(4, 1, 3), row(5, 4, 4)]
    tree = comment_tree.build_comment_tree(rows)
    assert [n.id for n in tree.roots] == [1, 3]
    one = tree.by_id[1]
    assert [n.id for n in one.replies] == [2, 4]
    assert (tree.by_id[5].depth, tree.by_id[5].level) == (2, 3)
    assert (tree.by_id[4].position, tree.by_id[4].sibling_count) == (2, 2)
    assert one.descendant_count == 3
    assert tree.by_id[5].parent_id == 4


def test_deleted_leaf_disappears_but_deleted_parent_stays_as_tombstone():
    rows = [
        row(1, None, 0, "deleted"),
        row(2, 1, 1),
        row(3, None, 2, "removed"),
        row(4, None, 3),
        row(5, 4, 4, "deleted"),
        row(6, 5, 5, "deleted"),
    ]
    tree = comment_tree.build_comment_tree(rows)
    assert [n.id for n in tree.roots] == [1, 4]
    assert tree.by_id[1].replies[0].id == 2
    assert tree.by_id[4].replies == []
    assert set(tree.by_id) == {1, 2, 4}
    assert tree.by_id[4].descendant_count == 0


@st.composite
def random_threads(draw):
    n = draw(st.integers(min_value=0, max_value=120))
    parents = [None]
    rows = []
    for i in range(1, n + 1):
        parent = draw(st.sampled_from(parents[-15:] + [None]))
        minute = draw(st.integers(min_value=0, max_value=5))  # many ties in time
        rows.append(row(i, parent, minute))
        parents.append(i)
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    return rows


@given(
    rows=random_threads(),
    max_depth=st.integers(min_value=1, max_value=6),
    size=st.integers(min_value=1, max_value=25),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_comment_appears_exactly_once_under_its_parent_in_time_order(rows, max_depth, size):
    tree = comment_tree.build_comment_tree(rows)
    by_id = {r["id"]: r for r in rows}
    assert len(tree) == len(rows)
    for node in tree.by_id.values():
        assert node.parent_id == by_id[node.id]["parent_id"]
        parent = tree.by_id.get(node.parent_id)
        assert node in (parent.replies if parent else tree.roots)
        keys = [(by_id[c.id]["created_at"], c.id) for c in node.replies]
        assert keys == sorted(keys)
        assert node.depth == (parent.depth + 1 if parent else 0)
    shown = all_pages(tree, max_depth=max_depth, size=size)
    assert sorted(shown) == sorted(by_id)  # every comment, exactly once, across all pages


@given(rows=random_threads(), size=st.integers(min_value=1, max_value=30))
@settings(max_examples=100, deadline=None)
def test_a_window_never_exceeds_its_size_or_depth(rows, size):
    tree = comment_tree.build_comment_tree(rows)
    window = comment_tree.thread_window(tree.roots, max_depth=3, size=size)
    assert len(window_ids(window)) <= size
    stack = [(c, 0) for c in window.comments]
    while stack:
        item, depth = stack.pop()
        assert depth < 3
        stack.extend((c, depth + 1) for c in item.children)


def test_a_tree_has_no_reference_cycles():
    # A page's tree must be freed as soon as the page is done with it, not
    # left for (and slowing) the cyclic garbage collector.
    rows = [row(1, None, 0)] + [row(i, (i - 1) // 2 or None, i) for i in range(2, 200)]
    gc.collect()
    gc.disable()
    try:
        tree = comment_tree.build_comment_tree(rows)
        comment_tree.thread_window(tree.roots)
        assert len(tree) == 199
        del tree
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_ancestors_are_bounded_and_count_the_rest():
    rows = [row(1, None, 0)] + [row(i, i - 1, i) for i in range(2, 21)]
    tree = comment_tree.build_comment_tree(rows)
    shown, hidden = comment_tree.ancestors(tree, tree.by_id[20], limit=6)
    assert [n.id for n in shown] == [14, 15, 16, 17, 18, 19]
    assert hidden == 13


# --- Pages over real threads -----------------------------------------------


def make_chain(post, author, depth):
    base = timezone.now() - timedelta(days=1)
    comments = Comment.objects.bulk_create(
        Comment(post=post, author=author, content=f"level {i}", created_at=base + timedelta(seconds=i))
        for i in range(depth)
    )
    for parent, child in zip(comments, comments[1:], strict=False):
        child.parent = parent
    Comment.objects.bulk_update(comments[1:], ["parent"], batch_size=500)
    return comments


def links(body, pattern):
    return [m.replace("&amp;", "&") for m in re.findall(pattern, body)]


def test_a_5000_deep_chain_is_readable_to_the_end_by_continue_links(client, alice):
    post = Post.objects.create(author=alice, content="deep")
    chain = make_chain(post, alice, 5000)
    response = client.get(f"/posts/{post.pk}/")
    assert response.status_code == 200
    seen = set()
    pages = 1
    url = None
    body = response.content.decode()
    while True:
        seen |= {int(i) for i in re.findall(r'<article id="comment-(\d+)"', body)}
        found = links(body, r'<li class="continue-thread[^"]*"><a href="(/comments/\d+/)"')
        if not found:
            break
        (url,) = found
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        pages += 1
    assert seen == {c.pk for c in chain}
    assert pages == 5000 // comment_tree.WINDOW_DEPTH


def test_deleting_a_post_with_a_5000_deep_chain_works(alice_client, alice):
    post = Post.objects.create(author=alice, content="deep")
    make_chain(post, alice, 5000)
    assert alice_client.post(f"/posts/{post.pk}/delete/").status_code == 302
    assert not Comment.objects.exists()


def test_a_post_with_5000_comments_is_fully_reachable(client, alice):
    post = Post.objects.create(author=alice, content="busy")
    rng = random.Random(7)
    base = timezone.now() - timedelta(days=1)
    ids = []
    for batch in range(10):
        made = Comment.objects.bulk_create(
            Comment(
                post=post, author=alice, content="c", created_at=base + timedelta(seconds=batch * 500 + i)
            )
            for i in range(500)
        )
        for comment in made:
            if ids and rng.random() < 0.6:
                comment.parent_id = rng.choice(ids[-300:])
        Comment.objects.bulk_update(made, ["parent"], batch_size=500)
        ids += [c.pk for c in made]
    seen, queue, fetched = set(), [f"/posts/{post.pk}/"], 0
    while queue:
        url = queue.pop()
        response = client.get(url)
        assert response.status_code == 200, url
        fetched += 1
        body = response.content.decode()
        shown = {int(i) for i in re.findall(r'<article id="comment-(\d+)"', body)}
        if url.startswith("/comments/") and "?" not in url:
            shown.discard(int(url.split("/")[2]))  # the permalink's own comment was reached already
        elif url.startswith("/comments/"):
            shown.discard(int(url.split("/")[2]))
        assert not (shown & seen) or url.startswith("/comments/"), url
        seen |= shown
        queue += links(body, r'<li class="(?:continue-thread|more-replies)[^"]*"><a href="([^"]+)"')
    assert seen == set(ids)
    assert fetched > 1


def test_the_post_page_costs_the_same_queries_for_1_and_500_comments(
    client, make_user, django_assert_num_queries
):
    author = make_user()
    client.force_login(get_user_model().objects.create_user("reader", password="x-long-password"))
    post = Post.objects.create(author=author, content="p")
    Comment.objects.create(post=post, author=author, content="one")
    with django_assert_num_queries(4):  # session, user, post with counts, every comment
        client.get(f"/posts/{post.pk}/")
    Comment.objects.bulk_create(Comment(post=post, author=author, content="c") for _ in range(499))
    with django_assert_num_queries(4):
        response = client.get(f"/posts/{post.pk}/")
    assert response.content.decode().count('data-item="comment"') == comment_tree.WINDOW_SIZE


def test_a_comment_page_costs_the_same_queries_for_a_short_and_a_long_chain(
    client, make_user, django_assert_num_queries
):
    reader = make_user()
    client.force_login(reader)
    post = Post.objects.create(author=make_user(), content="deep")
    short = make_chain(post, post.author, 3)
    with django_assert_num_queries(4):  # session, user, post found through the comment, every comment
        assert client.get(f"/comments/{short[1].pk}/").status_code == 200
    long = make_chain(Post.objects.create(author=post.author, content="deeper"), post.author, 300)
    with django_assert_num_queries(4):
        assert client.get(f"/comments/{long[250].pk}/").status_code == 200
