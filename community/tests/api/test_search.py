"""Search through the API: /api/v1/search/, the site's search as JSON."""

import pytest
from django.db import connection

from community.models import Comment
from community.selectors.search import SEARCH_MAX_PAGES, SEARCH_PAGE_SIZE, SEARCH_QUERIES
from community.tests.api.helpers import error

pytestmark = pytest.mark.django_db

URL = "/api/v1/search/"


def found(body) -> list[tuple[str, int]]:
    return [(result["kind"], result["id"]) for result in body["results"]]


def test_posts_and_comments_are_found_with_their_links_and_marks(api, make_post, make_comment, alice, bob):
    post = make_post(author=alice, content="A lighthouse at dusk")
    comment = make_comment(post=post, author=bob, content="The <b>lighthouse</b> keeper waved")
    make_post(author=alice, content="Nothing to see")
    response = api.get(URL, {"q": "lighthouse"})
    assert response.status_code == 200
    body = response.json()
    assert sorted(found(body)) == sorted([("post", post.pk), ("comment", comment.pk)])
    assert body["query"] == "lighthouse" and body["author"] is None and body["next"] is None
    by_kind = {result["kind"]: result for result in body["results"]}
    on_comment = by_kind["comment"]
    assert on_comment["url"].endswith(f"/api/v1/comments/{comment.pk}/")
    assert on_comment["post"].endswith(f"/api/v1/posts/{post.pk}/")
    assert on_comment["html_url"].endswith(comment.get_absolute_url())
    assert on_comment["author"]["username"] == "bob"
    # Escaped text, the match marked.
    assert "<mark>lighthouse</mark>" in on_comment["snippet_html"]
    assert "<b>" not in on_comment["snippet_html"]


def test_at_name_and_hidden_content(api, make_post, make_comment, alice, bob):
    post = make_post(author=alice, content="Gardens in spring")
    by_bob = make_comment(post=post, author=bob, content="Gardens need rain")
    removed = make_comment(post=post, author=bob, content="Gardens, removed")
    Comment.objects.filter(pk=removed.pk).update(state=Comment.State.REMOVED)
    body = api.get(URL, {"q": "gardens @bob"}).json()
    assert found(body) == [("comment", by_bob.pk)] and body["author"] == "bob"


def test_pages_follow_next_links_to_the_end(api, make_post, alice):
    for _ in range(SEARCH_PAGE_SIZE + 3):
        make_post(author=alice, content="needle")
    first = api.get(URL, {"q": "needle"}).json()
    assert len(first["results"]) == SEARCH_PAGE_SIZE and first["next"]
    second = api.get(first["next"]).json()
    assert second["page"] == 2 and len(second["results"]) == 3 and second["next"] is None
    assert not set(found(first)) & set(found(second))


# Not "page", which names the browser tests' Playwright page.
@pytest.mark.parametrize("number", ["0", "-1", "abc", "1.5", "٣", str(SEARCH_MAX_PAGES + 1), "9" * 30])
def test_a_page_there_cannot_be_is_a_400(api, number):
    body = error(api.get(URL, {"q": "words", "page": number}), 400)
    assert "page" in body["fields"]


@pytest.mark.parametrize("q", ["", "   ", '"', "!!!", "a" * 2000, "@", "-", "or", "ß" * 300])
def test_odd_words_give_an_answer(api, make_post, alice, q):
    make_post(author=alice, content="words")
    assert api.get(URL, {"q": q}).status_code == 200


def test_a_search_costs_a_fixed_number_of_queries(api, make_post, alice, django_assert_num_queries):
    for _ in range(30):
        make_post(author=alice, content="lantern")
    with django_assert_num_queries(SEARCH_QUERIES if connection.vendor == "postgresql" else 1):
        assert len(api.get(URL, {"q": "lantern"}).json()["results"]) == SEARCH_PAGE_SIZE
