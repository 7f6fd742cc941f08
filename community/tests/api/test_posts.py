"""The feed and posts through the API: /api/v1/posts/ and /api/v1/posts/{id}/."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from community.models import Comment, Like, Post
from community.selectors.feed import encode_cursor
from community.tests.api.helpers import error, signed_in
from community.tests.helpers import logged_in

pytestmark = pytest.mark.django_db

PAGE_SIZE = settings.COMMUNITY_FEED_PAGE_SIZE


def ids(response):
    return [post["id"] for post in response.json()["results"]]


def walk(client, url="/api/v1/posts/", key="next"):
    """Every post id from `url` on, following `key` links to the end."""
    seen = []
    for _ in range(100):
        body = client.get(url).json()
        seen += [post["id"] for post in body["results"]]
        if body[key] is None:
            return seen, body
        url = body[key]
    raise AssertionError("the links never ended")


# --- The feed -----------------------------------------------------------------


def test_the_feed_is_newest_first_with_ties_broken_by_id(api, make_post, alice):
    moment = timezone.now() - timedelta(hours=1)
    older = make_post(author=alice, created_at=moment - timedelta(minutes=5))
    tied = [make_post(author=alice, created_at=moment) for _ in range(3)]
    newest = make_post(author=alice)
    assert ids(api.get("/api/v1/posts/")) == [
        newest.pk,
        *sorted((p.pk for p in tied), reverse=True),
        older.pk,
    ]


def test_next_walks_the_whole_feed_and_previous_walks_back(api, make_post, alice):
    moment = timezone.now().replace(microsecond=0)
    posts = [make_post(author=alice, created_at=moment) for _ in range(PAGE_SIZE * 2 + 5)]
    expected = sorted((p.pk for p in posts), reverse=True)
    forward, last = walk(api)
    assert forward == expected
    assert last["previous"] is not None
    backward, first = walk(api, last["previous"], key="previous")
    # The pages come back in reverse, each newest first.
    assert backward == expected[PAGE_SIZE : PAGE_SIZE * 2] + expected[:PAGE_SIZE]
    assert first["previous"] is None


def test_the_first_page_has_no_previous_and_a_short_feed_no_next(api, make_post):
    make_post()
    body = api.get("/api/v1/posts/").json()
    assert (body["next"], body["previous"]) == (None, None)


def test_the_cursor_is_the_pages_own(api, client, make_post, alice):
    for _ in range(PAGE_SIZE + 3):
        make_post(author=alice)
    page_cursor = client.get("/").context["next_cursor"]
    body = api.get("/api/v1/posts/").json()
    assert body["next"] == f"http://testserver/api/v1/posts/?cursor={page_cursor}"
    assert ids(api.get(body["next"])) == [
        p.pk for p in client.get("/", {"cursor": page_cursor}).context["posts"]
    ]


def test_posts_written_between_pages_neither_repeat_nor_skip(api, make_post, alice):
    for _ in range(PAGE_SIZE + 10):
        make_post(author=alice)
    first = api.get("/api/v1/posts/").json()
    for _ in range(5):
        make_post(author=alice)
    second = api.get(first["next"]).json()
    shown = [p["id"] for p in first["results"] + second["results"]]
    assert len(shown) == len(set(shown)) == PAGE_SIZE + 10


@pytest.mark.parametrize("name", ["cursor", "before"])
@pytest.mark.parametrize("value", ["garbage!", "", "MjAyNHxub3QtYW4taWQ", "A" * 5000, "MHww", "\u00e9"])
def test_a_malformed_position_is_a_400_on_that_field(api, make_post, name, value):
    make_post()
    body = error(api.get("/api/v1/posts/", {name: value}), 400, "invalid")
    assert list(body["fields"]) == [name]


def test_cursor_and_before_together_are_refused(api, make_post):
    cursor = encode_cursor(make_post())
    body = error(api.get("/api/v1/posts/", {"cursor": cursor, "before": cursor}), 400)
    assert list(body["fields"]) == ["before"]


def test_a_cursor_beyond_postgresql_bigint_or_time_range_is_a_400(api):
    import base64

    for raw in [f"{timezone.now().isoformat()}|{2**63}", "2024-01-01T00:00:00+23:59|5"]:
        cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        if raw.endswith("|5"):
            # Python parses this offset; the selector turns it to UTC, so it is a real position.
            assert api.get("/api/v1/posts/", {"cursor": cursor}).status_code == 200
        else:
            error(api.get("/api/v1/posts/", {"cursor": cursor}), 400)


def test_each_post_has_author_times_counts_and_links(
    api, bob_api, make_post, make_comment, make_like, alice, bob
):
    post = make_post(author=alice, content="Hello")
    make_comment(post=post)
    gone = make_comment(post=post)
    Comment.objects.filter(pk=gone.pk).update(state=Comment.State.DELETED)
    make_like(bob, post)
    item = api.get("/api/v1/posts/").json()["results"][0]
    assert item == {
        "id": post.pk,
        "url": f"http://testserver/api/v1/posts/{post.pk}/",
        "html_url": f"http://testserver/posts/{post.pk}/",
        "author": {
            "username": "alice",
            "url": "http://testserver/api/v1/users/alice/",
            "html_url": "http://testserver/u/alice/",
        },
        "content": "Hello",
        "created_at": post.created_at.isoformat().replace("+00:00", "Z"),
        "edited_at": None,
        "moderator_edited_at": None,
        "like_count": 1,
        "liked": False,
        "comment_count": 1,
        "comments_url": f"http://testserver/api/v1/posts/{post.pk}/comments/",
        "like_url": f"http://testserver/api/v1/posts/{post.pk}/like/",
    }
    assert bob_api.get("/api/v1/posts/").json()["results"][0]["liked"] is True


@pytest.mark.parametrize("signed_in_as_alice", [False, True])
def test_the_feed_costs_the_same_queries_for_1_and_50_posts(
    api, alice, bob, make_post, make_like, make_comment, django_assert_num_queries, signed_in_as_alice
):
    if signed_in_as_alice:
        api.force_login(alice)
    # Signed in: the session, the user, then the posts with their counts (as the page).
    queries = 3 if signed_in_as_alice else 1
    post = make_post(author=bob)
    make_like(alice, post)
    make_comment(post=post)
    with django_assert_num_queries(queries):
        assert len(api.get("/api/v1/posts/").json()["results"]) == 1
    for _ in range(49):
        p = make_post(author=bob)
        make_like(alice, p)
        make_comment(post=p)
    with django_assert_num_queries(queries):
        body = api.get("/api/v1/posts/").json()
    assert len(body["results"]) == PAGE_SIZE
    with django_assert_num_queries(queries):
        previous = api.get(body["next"]).json()["previous"]
    with django_assert_num_queries(queries):
        api.get(previous)


# --- Writing ------------------------------------------------------------------


def test_writing_a_post_answers_201_with_it(alice_api, alice):
    response = alice_api.post("/api/v1/posts/", {"content": "  First!  "}, format="json")
    assert response.status_code == 201
    post = Post.objects.get()
    assert (post.author, post.content) == (alice, "First!")
    assert response["Location"] == f"http://testserver/api/v1/posts/{post.pk}/"
    assert response.json()["content"] == "First!"
    assert response.json()["like_count"] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "Write something first"),
        ("   \n\t ", "Write something first"),
        (None, "Write something first"),
        ("x" * 10_001, "That is too long: at most 10,000 characters"),
        ("nul \x00 byte", "Null characters are not allowed."),
        (12, "Send the text as a JSON string."),
        (["a"], "Send the text as a JSON string."),
        ({"text": "a"}, "Send the text as a JSON string."),
        (True, "Send the text as a JSON string."),
    ],
)
def test_bad_content_is_a_400_on_the_field_with_the_forms_words(alice_api, content, message):
    body = error(alice_api.post("/api/v1/posts/", {"content": content}, format="json"), 400, "invalid")
    assert list(body["fields"]) == ["content"]
    assert message in body["fields"]["content"][0]
    assert not Post.objects.exists()


def test_text_with_a_lone_surrogate_is_a_400_not_a_database_error(alice_api):
    # JSON can escape a lone surrogate, which no UTF-8 database column can hold.
    raw = '{"content": "lone \\ud800 surrogate"}'
    response = alice_api.post("/api/v1/posts/", raw, content_type="application/json")
    body = error(response, 400, "invalid")
    assert "not valid Unicode" in body["fields"]["content"][0]


def test_missing_content_is_a_400(alice_api):
    body = error(alice_api.post("/api/v1/posts/", {}, format="json"), 400)
    assert body["fields"] == {"content": ["Write something first: empty posts and comments can't be saved."]}


def test_the_same_text_sent_again_at_once_is_the_same_post(alice_api):
    first = alice_api.post("/api/v1/posts/", {"content": "Twice"}, format="json")
    again = alice_api.post("/api/v1/posts/", {"content": "Twice"}, format="json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert first["Location"] == again["Location"]
    assert Post.objects.count() == 1


def test_exactly_10000_characters_are_accepted(alice_api):
    assert alice_api.post("/api/v1/posts/", {"content": "y" * 10_000}, format="json").status_code == 201


def test_signed_out_writes_are_refused(api):
    error(api.post("/api/v1/posts/", {"content": "hi"}, format="json"), 403, "not_authenticated")
    assert not Post.objects.exists()


# --- One post -----------------------------------------------------------------


def test_a_post_reads_like_a_feed_item(api, make_post):
    post = make_post(content="The full text")
    feed_item = api.get("/api/v1/posts/").json()["results"][0]
    assert api.get(f"/api/v1/posts/{post.pk}/").json() == feed_item


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/posts/424242/",
        "/api/v1/posts/abc/",
        "/api/v1/posts/-1/",
        "/api/v1/posts/0/",
        f"/api/v1/posts/{2**63}/",
        "/api/v1/posts/99999999999999999999999/",
    ],
)
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_posts_are_404(alice_api, url, method):
    error(getattr(alice_api, method)(url, {"content": "x"}, format="json"), 404, "not_found")


def test_the_author_edits_a_post(alice_api, make_post, alice):
    post = make_post(author=alice, content="before")
    response = alice_api.patch(f"/api/v1/posts/{post.pk}/", {"content": "after"}, format="json")
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.content == "after"
    assert response.json()["edited_at"] == post.edited_at.isoformat().replace("+00:00", "Z")


def test_editing_with_bad_content_keeps_the_post(alice_api, make_post, alice):
    post = make_post(author=alice, content="before")
    error(alice_api.patch(f"/api/v1/posts/{post.pk}/", {"content": " "}, format="json"), 400)
    post.refresh_from_db()
    assert (post.content, post.edited_at) == ("before", None)


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_others_cannot_edit_or_delete_a_post(api, alice_api, make_post, bob, method):
    post = make_post(author=bob, content="theirs")
    error(getattr(alice_api, method)(f"/api/v1/posts/{post.pk}/", {"content": "mine"}, format="json"), 403)
    error(getattr(api, method)(f"/api/v1/posts/{post.pk}/", {"content": "mine"}, format="json"), 403)
    post.refresh_from_db()
    assert post.content == "theirs"


def test_deleting_a_post_takes_its_discussion_and_likes(
    alice_api, make_post, make_comment, make_like, alice, bob
):
    post = make_post(author=alice)
    top = make_comment(post=post, author=bob)
    make_like(bob, post)
    make_like(alice, top)
    response = alice_api.delete(f"/api/v1/posts/{post.pk}/")
    assert response.status_code == 204
    assert not Post.objects.exists()
    assert not Comment.objects.exists()
    assert not Like.objects.exists()
    error(alice_api.delete(f"/api/v1/posts/{post.pk}/"), 404)


def test_writes_past_the_post_limit_get_429_with_retry_after_shared_with_the_page(alice, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "post": "2/m"}
    api = signed_in(alice)
    assert api.post("/api/v1/posts/", {"content": "one"}, format="json").status_code == 201
    api.force_login(alice)
    # The page and the API count the same writes.
    assert logged_in(alice).post("/posts/new/", {"content": "two"}).status_code == 302
    body = error(api.post("/api/v1/posts/", {"content": "three"}, format="json"), 429, "throttled")
    assert "You are posting faster than the site allows." in body["detail"]
    response = api.post("/api/v1/posts/", {"content": "four"}, format="json")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Post.objects.count() == 2


def test_edits_past_the_edit_limit_get_429_counted_with_the_pages(alice, make_post, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "edit": "2/m"}
    post = make_post(author=alice, content="v0")
    api = signed_in(alice)
    assert api.patch(f"/api/v1/posts/{post.pk}/", {"content": "v1"}, format="json").status_code == 200
    assert logged_in(alice).post(f"/posts/{post.pk}/edit/", {"content": "v2"}).status_code == 302
    response = api.patch(f"/api/v1/posts/{post.pk}/", {"content": "v3"}, format="json")
    body = error(response, 429, "throttled")
    assert "You are editing faster than the site allows." in body["detail"]
    post.refresh_from_db()
    assert post.content == "v2"
