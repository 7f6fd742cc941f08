"""What pages say of themselves, and where links lead: meta descriptions, link names for screen readers."""

import re
from html import unescape

import pytest

from community.models import Comment
from community.tests.helpers import logged_in

pytestmark = pytest.mark.django_db

SITE_LINE = "Community: share posts, discuss them in threads, and like what others write."


def description(body: str) -> str:
    found = re.findall(r'<meta name="description" content="([^"]*)">', body)
    assert len(found) == 1, found
    return unescape(found[0])


def test_pages_without_a_subject_of_their_own_have_the_site_line(client, alice):
    for url in ("/", "/leaderboard/", "/accounts/login/", "/accounts/signup/"):
        assert description(client.get(url).content.decode()) == SITE_LINE, url
    assert description(client.get("/posts/999999/").content.decode()) == SITE_LINE
    assert description(logged_in(alice).get("/posts/new/").content.decode()) == SITE_LINE


def test_a_post_page_is_described_by_its_author_and_first_words(client, make_post, alice):
    post = make_post(
        author=alice, content='Why "quotes" & <tags> are text\nand the rest of a long post goes on and on'
    )
    body = client.get(post.get_absolute_url()).content.decode()
    assert description(body) == 'alice: Why "quotes" & <tags> are text and the rest of a long post…'
    assert "&lt;tags&gt;" in body.split('name="description"')[1].split(">")[0]


def test_a_comment_page_is_described_by_its_words_unless_deleted(client, make_comment, alice):
    comment = make_comment(author=alice, content="A thoughtful reply")
    make_comment(parent=comment)
    assert description(client.get(comment.get_absolute_url()).content.decode()) == "alice: A thoughtful reply"
    Comment.objects.filter(pk=comment.pk).update(state=Comment.State.DELETED)
    shown = description(client.get(comment.get_absolute_url()).content.decode())
    assert "thoughtful" not in shown
    assert shown.startswith("A comment, since deleted")


def test_a_profile_is_described_by_its_summary(client, alice, bob, make_post, make_like):
    make_like(bob, make_post(author=alice))
    shown = description(client.get("/u/alice/").content.decode())
    assert shown.startswith("alice on Community: 5 karma, joined ")


def test_post_links_say_whose_post_they_lead_to(client, make_post, make_comment, alice):
    post = make_post(author=alice, content="Cats are better than dogs")
    make_comment(post=post)
    make_comment(post=post)
    body = unescape(client.get("/").content.decode())
    count = f'<span id="post-{post.pk}-comment-count">2 comments</span>'
    comments_link = (
        f'data-open>{count}<span class="sr-only"> on alice\'s post “Cats are better than dogs”</span>'
    )
    assert comments_link in body
    assert '<span class="sr-only">Link to alice\'s post, </span><time' in body


def test_comment_permalinks_say_whose_comment_they_lead_to(client, make_comment, bob):
    comment = make_comment(author=bob)
    gone = make_comment(post=comment.post)
    make_comment(parent=gone)
    Comment.objects.filter(pk=gone.pk).update(state=Comment.State.DELETED)
    body = unescape(client.get(comment.post.get_absolute_url()).content.decode())
    start = body.index(f'<article id="comment-{comment.pk}"')
    article = body[start : body.index("</article>", start)]
    assert '<span class="sr-only">Link to bob\'s comment, </span><time' in article
    assert 'data-open>Link<span class="sr-only"> to bob\'s comment</span></a>' in article
    start = body.index(f'<article id="comment-{gone.pk}"')
    tombstone = body[start : body.index("</article>", start)]
    assert '<span class="sr-only">Link to this comment, </span>' in tombstone
