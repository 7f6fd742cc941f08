"""Who wrote what, as the pages say it: the post's author (OP) in its thread, and "you" on your own items."""

import re

import pytest

from community.tests.helpers import HTMX, logged_in

pytestmark = pytest.mark.django_db


def _article(body: str, element_id: str) -> str:
    """The opening tag and header of one item's <article>, up to its text."""
    start = body.index(f'<article id="{element_id}"')
    return body[start : body.index('class="prose-content', start)]


def test_comments_by_the_posts_author_carry_the_op_badge(client, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    by_op = make_comment(post=post, author=alice)
    by_other = make_comment(post=post, author=bob)
    body = client.get(post.get_absolute_url()).content.decode()
    op_header = _article(body, f"comment-{by_op.pk}")
    assert " data-op" in op_header.split(">", 1)[0]
    assert "data-op-badge" in op_header
    assert "(the post's author)" in op_header
    other_header = _article(body, f"comment-{by_other.pk}")
    assert "data-op" not in other_header


@pytest.mark.parametrize("shown", ["comment", "replies-fragment", "created-fragment"])
def test_the_op_badge_on_every_page_that_shows_comments(client, make_post, make_comment, alice, shown):
    post = make_post(author=alice)
    top = make_comment(post=post, author=alice)
    if shown == "comment":
        body = client.get(top.get_absolute_url()).content.decode()
        target = top
    elif shown == "replies-fragment":
        reply = make_comment(post=post, parent=top, author=alice)
        body = client.get(f"{top.get_absolute_url()}?fragment=replies", **HTMX).content.decode()
        target = reply
    else:
        response = logged_in(alice).post(
            f"/posts/{post.pk}/comments/", {"content": "More from me", "parent": top.pk}, **HTMX
        )
        assert response.status_code == 200
        body = response.content.decode()
        target = post.comments.get(content="More from me")
    assert "data-op-badge" in _article(body, f"comment-{target.pk}")


def test_your_own_post_and_comments_say_you(make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    mine = make_comment(post=post, author=bob)
    theirs = make_comment(post=post, author=alice)
    body = logged_in(bob).get(post.get_absolute_url()).content.decode()
    assert "data-you" in _article(body, f"comment-{mine.pk}")
    assert "data-you" not in _article(body, f"comment-{theirs.pk}")
    assert "data-you" not in _article(body, f"post-{post.pk}")
    own_post = logged_in(alice).get(post.get_absolute_url()).content.decode()
    assert "data-you" in _article(own_post, f"post-{post.pk}")


def test_nobody_is_you_when_signed_out(client, make_post, make_comment):
    post = make_post()
    make_comment(post=post, author=post.author)
    assert "data-you" not in client.get(post.get_absolute_url()).content.decode()


def test_your_own_like_count_has_no_heart(make_post, make_like, alice, bob):
    post = make_post(author=alice)
    make_like(bob, post)
    body = logged_in(alice).get(post.get_absolute_url()).content.decode()
    count = re.search(r'<span [^>]*data-like-count="1">(.*?)</span>', body).group(1)
    assert count == "1 like"
    assert "♥" not in _article(body, f"post-{post.pk}")
