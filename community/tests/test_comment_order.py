"""Comment order: oldest first by default, newest first, or most liked first, at every level."""

import re

import pytest

from community.comment_tree import build_comment_tree, parse_sort, sort_tree, thread_window
from community.selectors import threads


@pytest.fixture
def thread(make_post, make_comment, make_user, make_like):
    """Three top-level comments (b most liked), c1 and c2 replies to a (c2 liked)."""
    post = make_post()
    a = make_comment(post=post, content="a")
    b = make_comment(post=post, content="b")
    c = make_comment(post=post, content="c")
    c1 = make_comment(post=post, parent=a, content="c1")
    c2 = make_comment(post=post, parent=a, content="c2")
    for _ in range(2):
        make_like(make_user(), b)
    make_like(make_user(), c2)
    return post, a, b, c, c1, c2


def order_on_page(body: str) -> list[str]:
    return re.findall(r'<div class="prose-content break-words"><p>(\w+)</p>', body)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["a", "c1", "c2", "b", "c"]),
        ("old", ["a", "c1", "c2", "b", "c"]),
        ("new", ["c", "b", "a", "c2", "c1"]),
        ("top", ["b", "a", "c2", "c1", "c"]),
        ("bogus", ["a", "c1", "c2", "b", "c"]),
    ],
)
def test_every_level_follows_the_order(client, thread, sort, expected):
    post = thread[0]
    body = client.get(post.get_absolute_url(), {"sort": sort} if sort else {}).content.decode()
    assert order_on_page(body) == expected


def test_the_order_is_kept_by_links_that_lead_on(client, thread, monkeypatch):
    post, a, *_ = thread
    # A window one level deep: a's replies are behind "Continue this thread".
    monkeypatch.setitem(thread_window.__kwdefaults__, "max_depth", 1)
    body = client.get(post.get_absolute_url(), {"sort": "new"}).content.decode()
    assert f'hx-get="/comments/{a.pk}/?fragment=replies&amp;sort=new"' in body
    assert f'href="/comments/{a.pk}/?sort=new"' in body
    assert 'aria-current="true">Newest first' in body
    replies = client.get(f"/comments/{a.pk}/", {"sort": "new"}).content.decode()
    assert order_on_page(replies) == ["a", "c2", "c1"]


def test_positions_are_numbered_in_the_new_order(thread):
    post = thread[0]
    tree = sort_tree(threads.comment_tree(post_id=post.pk), "top")
    assert [(n.content, n.position, n.sibling_count) for n in tree.roots] == [
        ("b", 1, 3),
        ("a", 2, 3),
        ("c", 3, 3),
    ]


def test_unknown_orders_fall_back_to_reading_order():
    assert parse_sort("new") == "new"
    assert parse_sort("NEW") == parse_sort(None) == parse_sort("x" * 500) == "old"
    assert sort_tree(build_comment_tree([]), "top").roots == []
