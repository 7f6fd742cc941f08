import xml.etree.ElementTree as ET

import pytest

from community.feeds import FEED_ITEMS
from community.models import Comment

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse_atom(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the site's own output
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text
    assert root.find(f"{ATOM}updated") is not None
    return root


def entries(root):
    return [
        {
            "title": entry.find(f"{ATOM}title").text,
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.find(f"{ATOM}summary").text,
            "author": entry.find(f"{ATOM}author/{ATOM}name").text,
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_newest_posts_feed_lists_posts_newest_first(client, make_post, alice):
    first = make_post(author=alice, content="First <b>post</b>")
    second = make_post(author=alice, content="Second post\nwith two lines")
    items = entries(parse_atom(client.get("/feeds/posts/")))
    assert [item["link"] for item in items] == [
        f"http://testserver/posts/{second.pk}/",
        f"http://testserver/posts/{first.pk}/",
    ]
    assert items[0]["title"] == "Second post with two lines"
    assert items[0]["author"] == "alice"
    # The summary is the site's HTML, escaped once more by the XML.
    assert "&lt;b&gt;post&lt;/b&gt;" in items[1]["summary"]


def test_deleted_post_never_appears(alice_client, client, make_post, alice):
    kept = make_post(author=alice, content="kept")
    gone = make_post(author=alice, content="gone")
    alice_client.post(f"/posts/{gone.pk}/delete/")
    for url in ["/feeds/posts/", "/feeds/u/alice/"]:
        links = [item["link"] for item in entries(parse_atom(client.get(url)))]
        assert links == [f"http://testserver/posts/{kept.pk}/"]
    assert client.get(f"/feeds/posts/{gone.pk}/comments/").status_code == 404


def test_person_feed_lists_only_their_posts(client, make_post, alice, bob):
    mine = make_post(author=alice)
    make_post(author=bob)
    root = parse_atom(client.get("/feeds/u/alice/"))
    assert "alice" in root.find(f"{ATOM}title").text
    assert [item["link"] for item in entries(root)] == [f"http://testserver/posts/{mine.pk}/"]


def test_comment_feed_lists_visible_comments_only(client, make_post, make_comment, alice, bob):
    post = make_post(author=alice, content="Topic")
    shown = make_comment(post=post, author=bob, content="shown")
    deleted = make_comment(post=post, author=bob, content="deleted words")
    removed = make_comment(post=post, author=bob, content="removed words")
    reply = make_comment(post=post, parent=deleted, author=alice, content="a reply")
    Comment.objects.filter(pk=deleted.pk).update(state=Comment.State.DELETED)
    Comment.objects.filter(pk=removed.pk).update(state=Comment.State.REMOVED)
    response = client.get(f"/feeds/posts/{post.pk}/comments/")
    items = entries(parse_atom(response))
    assert [item["link"] for item in items] == [
        f"http://testserver/comments/{reply.pk}/",
        f"http://testserver/comments/{shown.pk}/",
    ]
    assert b"deleted words" not in response.content
    assert b"removed words" not in response.content


def test_comment_of_a_deleted_account_is_named_so(client, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    make_comment(post=post, author=bob, content="orphan")
    bob.delete()
    items = entries(parse_atom(client.get(f"/feeds/posts/{post.pk}/comments/")))
    assert items[0]["author"] == "[deleted account]"


@pytest.mark.parametrize(
    "url", ["/feeds/u/nobody/", "/feeds/posts/999999/comments/", f"/feeds/posts/{2**63}/comments/"]
)
def test_unknown_people_and_posts_are_404(client, url):
    assert client.get(url).status_code == 404


def test_feeds_are_bounded(client, make_post, alice):
    for _ in range(FEED_ITEMS + 3):
        make_post(author=alice)
    assert len(entries(parse_atom(client.get("/feeds/posts/")))) == FEED_ITEMS


@pytest.mark.parametrize("count", [1, 50])
def test_feed_queries_do_not_grow_with_items(
    client, make_post, make_comment, make_user, alice, count, django_assert_num_queries
):
    post = make_post(author=alice)
    for _ in range(count):
        make_post(author=make_user())
        make_comment(post=post, author=make_user())
    with django_assert_num_queries(1):  # posts with their authors
        client.get("/feeds/posts/")
    with django_assert_num_queries(2):  # the person, their posts
        client.get("/feeds/u/alice/")
    with django_assert_num_queries(2):  # the post, its visible comments with their authors
        client.get(f"/feeds/posts/{post.pk}/comments/")


def test_pages_link_their_feeds(client, make_post, alice):
    post = make_post(author=alice)
    alternate = 'rel="alternate" type="application/atom+xml"'
    feed = client.get("/").content.decode()
    assert alternate in feed and 'href="/feeds/posts/"' in feed
    profile = client.get("/u/alice/").content.decode()
    assert 'href="/feeds/u/alice/"' in profile and 'href="/feeds/posts/"' in profile
    detail = client.get(post.get_absolute_url()).content.decode()
    assert f'href="/feeds/posts/{post.pk}/comments/"' in detail
