"""
The server's side of reading and writing: the length limit in the page and
its message, line breaks, the feed's history, links in loaded replies.
"""

import pytest
from django.conf import settings

from community.forms import CommentForm, PostForm
from community.models import CONTENT_MAX_LENGTH, Comment
from community.tests.helpers import HTMX

pytestmark = pytest.mark.django_db


def test_text_boxes_carry_the_limit_the_server_enforces():
    for form in (PostForm(), CommentForm()):
        assert f'maxlength="{CONTENT_MAX_LENGTH}"' in str(form["content"])


def test_too_long_text_gives_both_numbers_the_same_way():
    form = PostForm({"content": "x" * (CONTENT_MAX_LENGTH + 1)})
    assert not form.is_valid()
    assert form.errors["content"] == [
        f"That is too long: at most {CONTENT_MAX_LENGTH:,} characters (this has {CONTENT_MAX_LENGTH + 1:,})."
    ]


def test_line_breaks_count_once_as_the_browser_counted_them():
    # A browser sends CRLF but counts one character per line break against maxlength.
    text = ("x" * 9 + "\r\n") * (CONTENT_MAX_LENGTH // 10)
    form = PostForm({"content": text})
    assert form.is_valid(), form.errors
    assert "\r" not in form.cleaned_data["content"]


def test_an_older_page_asked_for_again_by_htmx_history_is_a_whole_page(client, make_post, alice):
    for _ in range(settings.COMMUNITY_FEED_PAGE_SIZE + 1):
        make_post(author=alice)
    cursor = client.get("/").context["next_cursor"]
    restore = client.get("/", {"cursor": cursor}, **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()
    assert "<html" not in client.get("/", {"cursor": cursor}, **HTMX).content.decode()


def test_replies_loaded_in_place_link_to_the_top_of_their_thread(client, make_post, make_comment):
    post = make_post()
    chain = [make_comment(post=post)]
    for _ in range(10):
        chain.append(make_comment(parent=chain[-1]))
    fragment = client.get(chain[7].get_absolute_url(), {"fragment": "replies"}, **HTMX).content.decode()
    assert f'href="#comment-{chain[0].pk}"' in fragment
    assert Comment.objects.count() == 11


def test_a_comment_sent_without_htmx_is_confirmed_on_the_page_it_lands_on(alice_client, make_comment):
    parent = make_comment()
    url = f"/posts/{parent.post_id}/comments/"
    response = alice_client.post(url, {"content": "Top-level"}, follow=True)
    assert "Your comment is up." in response.content.decode()
    response = alice_client.post(url, {"content": "A reply", "parent": parent.pk}, follow=True)
    assert "Your reply is up." in response.content.decode()


def test_an_empty_comment_without_htmx_answers_the_post_page_with_the_error(alice_client, make_comment):
    comment = make_comment(content="Already here")
    response = alice_client.post(f"/posts/{comment.post_id}/comments/", {"content": " "})
    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == "community/post_detail.html"
    body = response.content.decode()
    assert comment.post.content in body and "Already here" in body
    assert 'aria-describedby="comment-errors-top"' in body
