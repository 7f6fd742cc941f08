"""The comment tree, its windows, and walking every page of a thread."""

import gc
import math
import random
import re
import sys
from datetime import timedelta

import pytest
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community import comment_tree
from community.models import Comment, Like, Post
from community.selectors import threads
from community.services import posts as post_services

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


def shown_items(window):
    """Every comment a window shows, in reading order."""
    items, stack = [], list(reversed(window.comments))
    while stack:
        shown = stack.pop()
        items.append(shown)
        stack.extend(reversed(shown.children))
    return items


def window_ids(window):
    """Ids of every comment a window shows, in reading order."""
    return [shown.node.id for shown in shown_items(window)]


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


# --- Real threads: the selectors at full size, the pages at a size that proves the links ---
#
# Every page of a thread reads and builds the whole thread, so walking a big
# thread page by page costs pages x size. The full sizes are walked a window
# at a time on the tree the selector returns (what the views render); the
# pages are walked at a size that still needs every kind of link.

CHAIN_DEPTH = 5000
# Deep enough for dozens of "continue this thread" pages.
PAGES_CHAIN_DEPTH = 300
# Enough comments for every kind of link (see random_parents).
PAGES_THREAD_SIZE = 1000


def make_chain(post, author, depth):
    """`depth` comments of `post`, each replying to the one before it, in a few statements."""
    base = timezone.now() - timedelta(days=1)
    comments = Comment.objects.bulk_create(
        Comment(post=post, author=author, content=f"level {i}", created_at=base + timedelta(seconds=i))
        for i in range(depth)
    )
    # One UPDATE: each comment replies to the one written just before it
    # (bulk_update would send a CASE over every row, batch after batch).
    previous = Comment.objects.filter(post=post, created_at__lt=OuterRef("created_at"))
    Comment.objects.filter(post=post).update(
        parent_id=Subquery(previous.order_by("-created_at", "-id").values("id")[:1])
    )
    for parent, child in zip(comments, comments[1:], strict=False):
        child.parent_id = parent.pk
    return comments


def random_parents(size, *, seed=7):
    """
    The shape of a busy discussion, as the index of each comment's parent
    (None: top level): 40% top-level comments, the rest replies to one of
    the 300 comments written just before. At a thousand comments that is
    more top-level comments than a page shows, reply lists cut short, and
    threads deeper than a window.
    """
    rng = random.Random(seed)
    return [rng.randrange(max(0, i - 300), i) if i and rng.random() < 0.6 else None for i in range(size)]


def make_thread(post, author, parents):
    """
    Comments of `post`, the i-th written i seconds after the first and
    replying to the `parents[i]`-th; returns their ids. Written a level at a
    time, so every parent has its id before its replies are written.
    """
    base = timezone.now() - timedelta(days=1)
    depths = []
    for parent in parents:
        depths.append(0 if parent is None else depths[parent] + 1)
    ids = [None] * len(parents)
    for level in range(max(depths, default=-1) + 1):
        indexes = [i for i, depth in enumerate(depths) if depth == level]
        made = Comment.objects.bulk_create(
            Comment(
                post=post,
                author=author,
                content=f"comment {i}",
                created_at=base + timedelta(seconds=i),
                parent_id=None if parents[i] is None else ids[parents[i]],
            )
            for i in indexes
        )
        for i, comment in zip(indexes, made, strict=True):
            ids[i] = comment.pk
    return ids


def links(body, pattern):
    return [m.replace("&amp;", "&") for m in re.findall(pattern, body)]


CONTINUE_LINK = r'<li class="continue-thread[^"]*"><a href="(/comments/\d+/)"'
ANY_LINK = r'<li class="(?:continue-thread|more-replies)[^"]*"><a href="([^"]+)"'


def shown_comments(body):
    return [int(i) for i in re.findall(r'<article id="comment-(\d+)"', body)]


def test_a_5000_deep_chain_is_read_to_the_end_a_window_at_a_time(alice, bob):
    # Deeper than Python's recursion limit: any recursive walk dies on it.
    assert sys.getrecursionlimit() < CHAIN_DEPTH
    post = Post.objects.create(author=alice, content="deep")
    chain = make_chain(post, alice, CHAIN_DEPTH)
    tree = threads.comment_tree(post_id=post.pk, viewer=bob)
    assert len(tree) == CHAIN_DEPTH
    # The post's page starts from the top-level comments; each "continue
    # this thread" link opens the comment's page, which starts from its replies.
    seen, siblings, windows = [], tree.roots, 0
    while True:
        shown = shown_items(comment_tree.thread_window(siblings))
        windows += 1
        seen += [item.node.id for item in shown]
        continued = [item for item in shown if item.continues]
        if not continued:
            break
        assert continued == [shown[-1]]  # the deepest comment shown, and only it
        siblings = tree.by_id[shown[-1].node.id].replies
    assert seen == [c.pk for c in chain]  # every comment, once, in order
    assert windows == CHAIN_DEPTH // comment_tree.WINDOW_DEPTH
    # The deepest comment's page shows its nearest ancestors and counts the rest.
    above, hidden = comment_tree.ancestors(tree, tree.by_id[chain[-1].pk])
    assert [n.id for n in above] == [c.pk for c in chain[-1 - comment_tree.CONTEXT_ANCESTORS : -1]]
    assert hidden == CHAIN_DEPTH - 1 - comment_tree.CONTEXT_ANCESTORS


def test_a_deep_chain_is_readable_to_the_end_by_continue_links(client, alice, bob, django_assert_num_queries):
    client.force_login(bob)
    post = Post.objects.create(author=alice, content="deep")
    chain = make_chain(post, alice, PAGES_CHAIN_DEPTH)
    seen, url, pages = [], f"/posts/{post.pk}/", 0
    while url:
        # session, user, the post (with the previous visit on its page), every comment; recording the visit
        with django_assert_num_queries(5 if url.startswith("/posts/") else 4):
            response = client.get(url)
        assert response.status_code == 200, url
        pages += 1
        body = response.content.decode()
        shown = shown_comments(body)
        if url.startswith("/comments/"):
            # A comment's page starts with that comment, the last one reached.
            assert shown[0] == int(url.split("/")[2]) == seen[-1], url
            shown = shown[1:]
        seen += shown
        found = links(body, CONTINUE_LINK)
        assert len(found) <= 1, url
        url = found[0] if found else None
    assert seen == [c.pk for c in chain]
    assert pages == math.ceil(PAGES_CHAIN_DEPTH / comment_tree.WINDOW_DEPTH)


def test_deleting_a_post_with_a_5000_deep_chain_deletes_every_comment_and_like(alice, bob, make_like):
    post = Post.objects.create(author=alice, content="deep")
    chain = make_chain(post, alice, CHAIN_DEPTH)
    make_like(bob, chain[-1])
    make_like(bob, post)
    post_services.post_delete(post=post, user=alice)
    assert not Post.objects.exists()
    assert not Comment.objects.exists()
    assert not Like.objects.exists()


def test_the_author_deletes_a_post_with_a_deep_chain_from_its_page(alice_client, alice):
    post = Post.objects.create(author=alice, content="deep")
    make_chain(post, alice, PAGES_CHAIN_DEPTH)
    assert alice_client.post(f"/posts/{post.pk}/delete/").status_code == 302
    assert not Post.objects.exists()
    assert not Comment.objects.exists()


def test_a_post_with_5000_comments_is_reachable_a_window_at_a_time(alice, bob):
    post = Post.objects.create(author=alice, content="busy")
    ids = make_thread(post, alice, random_parents(5000))
    tree = threads.comment_tree(post_id=post.pk, viewer=bob)
    shown = all_pages(tree, max_depth=comment_tree.WINDOW_DEPTH, size=comment_tree.WINDOW_SIZE)
    assert sorted(shown) == sorted(ids)  # every comment, exactly once, across all pages


def test_every_comment_of_a_busy_post_is_reachable_by_its_links(
    client, alice, bob, django_assert_num_queries
):
    client.force_login(bob)
    post = Post.objects.create(author=alice, content="busy")
    ids = make_thread(post, alice, random_parents(PAGES_THREAD_SIZE))
    seen, queue, followed = set(), [f"/posts/{post.pk}/"], set()
    while queue:
        url = queue.pop()
        # session, user, the post (with the previous visit on its page), every comment; recording the visit
        with django_assert_num_queries(5 if url.startswith("/posts/") else 4):
            response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        shown = shown_comments(body)
        if url.startswith("/comments/"):
            # A comment's page (or the rest of its replies) starts with that
            # comment, reached on the page that linked here.
            assert shown[0] == int(url.split("/")[2]) and shown[0] in seen, url
            shown = shown[1:]
        assert len(set(shown)) == len(shown), url
        assert not seen & set(shown), url  # nothing shown twice across pages
        seen |= set(shown)
        found = links(body, ANY_LINK)
        followed |= {re.sub(r"\d+", "N", link) for link in found}
        queue += found
    assert seen == set(ids)
    # Every kind of link was needed to get there.
    assert followed == {"/posts/N/?after=N", "/comments/N/", "/comments/N/?after=N"}


def test_the_post_page_costs_the_same_queries_for_1_and_500_comments(
    client, make_user, django_assert_num_queries
):
    author = make_user()
    client.force_login(make_user("reader"))
    post = Post.objects.create(author=author, content="p")
    Comment.objects.create(post=post, author=author, content="one")
    # session, user, post with counts and the previous visit, every comment, recording this visit
    with django_assert_num_queries(5):
        client.get(f"/posts/{post.pk}/")
    Comment.objects.bulk_create(Comment(post=post, author=author, content="c") for _ in range(499))
    with django_assert_num_queries(5):
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
