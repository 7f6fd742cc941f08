from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from community.models import Comment, Like, Post
from community.selectors.feed import decode_cursor, encode_cursor
from community.tests.helpers import HTMX

FEED_PAGE_SIZE = settings.COMMUNITY_FEED_PAGE_SIZE

pytestmark = pytest.mark.django_db


def feed_ids(response):
    return [post.pk for post in response.context["posts"]]


def walk_feed(client):
    """Every post id the feed shows, following the Older posts cursor to the end."""
    seen, cursor = [], None
    for _ in range(100):
        response = client.get("/", {"cursor": cursor} if cursor else {})
        seen += feed_ids(response)
        cursor = response.context["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


def test_feed_shows_posts_newest_first_with_ties_broken_by_id(client, make_post, alice):
    same_moment = timezone.now() - timedelta(hours=1)
    older = make_post(author=alice, created_at=same_moment - timedelta(minutes=5))
    tied = [make_post(author=alice, created_at=same_moment) for _ in range(3)]
    newest = make_post(author=alice)
    expected = [newest.pk, *sorted((p.pk for p in tied), reverse=True), older.pk]
    assert feed_ids(client.get("/")) == expected


def test_cursor_pages_keep_a_stable_order_for_posts_created_in_the_same_second(client, make_post, alice):
    moment = timezone.now().replace(microsecond=0)
    posts = [make_post(author=alice, created_at=moment) for _ in range(FEED_PAGE_SIZE * 2 + 5)]
    seen = walk_feed(client)
    assert seen == sorted((p.pk for p in posts), reverse=True)


def test_new_posts_between_pages_neither_repeat_nor_skip_posts(client, make_post, alice):
    for _ in range(FEED_PAGE_SIZE + 10):
        make_post(author=alice)
    first = client.get("/")
    for _ in range(5):
        make_post(author=alice)
    second = client.get("/", {"cursor": first.context["next_cursor"]})
    shown = feed_ids(first) + feed_ids(second)
    assert len(shown) == len(set(shown)) == FEED_PAGE_SIZE + 10
    assert second.context["next_cursor"] is None


def test_older_posts_is_a_real_link_and_an_htmx_append(client, make_post, alice):
    for _ in range(FEED_PAGE_SIZE + 1):
        make_post(author=alice)
    page = client.get("/").content.decode()
    assert 'rel="next"' in page
    cursor = client.get("/").context["next_cursor"]
    assert f'href="/?cursor={cursor}"' in page
    fragment = client.get("/", {"cursor": cursor}, **HTMX)
    body = fragment.content.decode()
    assert "<html" not in body
    assert body.count('data-item="post"') == 1
    assert "autofocus" in body


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "MjAyNHxub3QtYW4taWQ", "", "A" * 5000, "MHww"])
def test_malformed_cursor_shows_the_first_page(client, make_post, cursor):
    post = make_post()
    response = client.get("/", {"cursor": cursor})
    assert response.status_code == 200
    assert feed_ids(response) == [post.pk]


def test_cursor_round_trip(make_post):

    post = make_post()
    assert decode_cursor(encode_cursor(post)) == (post.created_at, post.pk)


def test_each_post_shows_author_time_counts_and_links(client, make_post, make_comment, make_like, alice, bob):
    post = make_post(author=alice, content="Hello <b>world</b>\nsecond line https://example.org/x")
    make_comment(post=post)
    deleted = make_comment(post=post)
    Comment.objects.filter(pk=deleted.pk).update(state=Comment.State.DELETED)
    make_like(bob, post)
    body = client.get("/").content.decode()
    assert f'<article id="post-{post.pk}"' in body
    assert '<a href="/u/alice/"' in body
    assert f'<time datetime="{post.created_at.isoformat()}' in body
    assert "Hello &lt;b&gt;world&lt;/b&gt;<br>\nsecond line" in body
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in body
    assert "1 comment<" in body
    assert 'data-like-count="1"' in body
    assert f'href="/posts/{post.pk}/#comments"' in body


def test_feed_query_count_is_the_same_for_1_and_50_posts(
    client, make_post, make_like, make_comment, alice, bob, django_assert_num_queries
):
    client.force_login(alice)
    post = make_post(author=bob)
    make_like(alice, post)
    make_comment(post=post)
    with django_assert_num_queries(3):  # session, user, posts with counts
        client.get("/")
    for _ in range(49):
        p = make_post(author=bob)
        make_like(alice, p)
        make_comment(post=p)
    with django_assert_num_queries(3):
        response = client.get("/")
    assert len(response.context["posts"]) == FEED_PAGE_SIZE


def test_anonymous_feed_costs_one_query(client, make_post, django_assert_num_queries):
    for _ in range(30):
        make_post()
    with django_assert_num_queries(1):
        client.get("/")


def test_empty_feed_is_friendly(client, alice):
    body = client.get("/").content.decode()
    assert "Nothing here yet." in body
    assert "Log in to post" in body
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert "write the first post" in body
    assert 'id="post-form"' in body


# --- Writing posts ----------------------------------------------------------


def test_post_form_creates_a_post_and_redirects(alice_client, alice):
    response = alice_client.post("/posts/new/", {"content": "  First!  "})
    assert response.status_code == 302
    assert response["Location"] == "/"
    post = Post.objects.get()
    assert (post.author, post.content) == (alice, "First!")


def test_htmx_post_returns_the_new_post_and_a_cleared_form(alice_client):
    response = alice_client.post("/posts/new/", {"content": "Hello htmx"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    post = Post.objects.get()
    assert f'<article id="post-{post.pk}"' in body
    assert 'hx-swap-oob="outerHTML:#post-form"' in body
    assert "Hello htmx</textarea>" not in body


@pytest.mark.parametrize("content", ["", "   \n\t ", "x" * 10_001])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_post_content_comes_back_with_an_error_and_saves_nothing(alice_client, content, htmx):
    response = alice_client.post("/posts/new/", {"content": content}, **(HTMX if htmx else {}))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert "post-content-errors" in body
    assert ("too long" in body) if content.startswith("x") else ("Write something first" in body)
    if htmx:
        assert response["HX-Retarget"] == "#post-form"
        assert response["HX-Reswap"] == "outerHTML"
        assert 'hx-post="/posts/new/"' in body  # the form keeps working in place
    assert not Post.objects.exists()


def test_exactly_10000_characters_is_accepted(alice_client):
    assert alice_client.post("/posts/new/", {"content": "y" * 10_000}).status_code == 302
    assert len(Post.objects.get().content) == 10_000


def test_anonymous_users_are_asked_to_log_in(client):
    response = client.post("/posts/new/", {"content": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/posts/new/")
    assert client.post("/posts/new/", {"content": "hi"}, **HTMX)["HX-Redirect"].startswith("/accounts/login/")
    assert not Post.objects.exists()


# --- A post's page, editing and deleting ------------------------------------


def test_post_page_shows_the_post(client, make_post):
    post = make_post(content="The full text")
    response = client.get(f"/posts/{post.pk}/")
    assert response.status_code == 200
    assert "The full text" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/posts/999999/", "/posts/abc/", "/posts/-1/", "/posts/99999999999999999999999/"]
)
def test_unknown_posts_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/posts/{id}/delete/", "/posts/{id}/like/", "/posts/{id}/unlike/", "/posts/{id}/comments/"]
)
def test_get_on_post_only_urls_is_405_or_a_confirmation(alice_client, make_post, alice, url):
    post = make_post(author=alice)
    response = alice_client.get(url.format(id=post.pk))
    assert response.status_code == (200 if "delete" in url else 405)
    assert Post.objects.filter(pk=post.pk).exists()


def test_author_edits_a_post_and_it_shows_edited(alice_client, make_post, alice):
    post = make_post(author=alice, content="before")
    assert alice_client.get(f"/posts/{post.pk}/edit/").status_code == 200
    response = alice_client.post(f"/posts/{post.pk}/edit/", {"content": "after"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.content == "after"
    assert post.edited_at is not None
    assert "(edited" in alice_client.get(f"/posts/{post.pk}/").content.decode()


def test_editing_with_bad_content_keeps_the_post(alice_client, make_post, alice):
    post = make_post(author=alice, content="before")
    assert alice_client.post(f"/posts/{post.pk}/edit/", {"content": " "}).status_code == 400
    post.refresh_from_db()
    assert (post.content, post.edited_at) == ("before", None)


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_others_cannot_edit_or_delete_a_post(alice_client, make_post, bob, action):
    post = make_post(author=bob, content="theirs")
    assert alice_client.get(f"/posts/{post.pk}/{action}/").status_code == 403
    assert alice_client.post(f"/posts/{post.pk}/{action}/", {"content": "mine now"}).status_code == 403
    post.refresh_from_db()
    assert post.content == "theirs"


def test_deleting_a_post_asks_first_then_removes_comments_and_likes(
    alice_client, make_post, make_comment, make_like, alice, bob
):
    post = make_post(author=alice)
    top = make_comment(post=post, author=bob)
    reply = make_comment(parent=top, author=alice)
    make_like(bob, post)
    make_like(alice, top)
    make_like(bob, reply)
    kept = make_post(author=bob)
    make_like(alice, kept)
    page = alice_client.get(f"/posts/{post.pk}/delete/")
    assert page.status_code == 200
    assert "Yes, delete it" in page.content.decode()
    assert Post.objects.filter(pk=post.pk).exists()
    response = alice_client.post(f"/posts/{post.pk}/delete/")
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Comment.objects.exists()
    post_type = ContentType.objects.get_for_model(Post)
    assert list(Like.objects.values_list("target_type", "target_id")) == [(post_type.pk, kept.pk)]


def test_deleting_a_missing_post_is_404(alice_client):
    assert alice_client.post("/posts/424242/delete/").status_code == 404


@pytest.mark.parametrize("url", ["/", "/leaderboard/", "/healthz"])
def test_head_requests_are_answered_like_get(client, url):
    response = client.head(url)
    assert response.status_code == 200


def test_rich_text_memoises_without_mixing_texts():
    from community.templatetags.community import rich_text

    first = rich_text("see https://a.example/ <b>")
    assert rich_text("see https://a.example/ <b>") == first
    assert "&lt;b&gt;" in first
    assert 'href="https://b.example/"' in rich_text("see https://b.example/ <b>")
