import re

import pytest
from django.db import connection

from community.models import Comment, Post
from community.selectors import search as search_selectors
from community.selectors.search import (
    QUERY_MAX_LENGTH,
    RANKED_MATCHES,
    SEARCH_MAX_PAGES,
    SEARCH_PAGE_SIZE,
    SEARCH_QUERIES,
    parse_query,
    search,
)
from community.text_search import matching, web_query

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="full-text search is PostgreSQL's")
sqlite_only = pytest.mark.skipif(ON_POSTGRESQL, reason="the fallback serves SQLite")


def found(response) -> list[tuple[str, int]]:
    return [(r.kind, r.id) for r in response.context["results"]]


def test_parse_query_reads_the_author_and_cleans_the_words():
    assert parse_query("  cats\x00 and  @bob dogs ") == parse_query("cats and dogs @bob")
    terms = parse_query("cats and @bob dogs")
    assert terms.words == "cats and dogs" and terms.author == "bob"
    assert not parse_query("   ") and not parse_query(None)
    assert len(parse_query("x" * 5000).words) == QUERY_MAX_LENGTH


def test_posts_and_comments_are_found(client, make_post, make_comment, alice, bob):
    post = make_post(author=alice, content="Gardening with tomatoes")
    comment = make_comment(
        post=make_post(author=bob, content="Other"), author=bob, content="My tomatoes grew"
    )
    make_post(author=alice, content="Nothing to see")
    response = client.get("/search/", {"q": "tomatoes"})
    assert response.status_code == 200
    assert sorted(found(response)) == sorted([("post", post.pk), ("comment", comment.pk)])
    html = response.content.decode()
    assert f'href="/posts/{post.pk}/"' in html and f'href="/comments/{comment.pk}/"' in html


def test_deleted_and_removed_content_never_appears(alice_client, client, make_post, make_comment, alice, bob):
    post = make_post(author=alice, content="zebra post")
    deleted = make_comment(post=post, author=bob, content="zebra deleted")
    removed = make_comment(post=post, author=bob, content="zebra removed")
    kept = make_comment(post=post, author=bob, content="zebra kept")
    Comment.objects.filter(pk=deleted.pk).update(state=Comment.State.DELETED)
    Comment.objects.filter(pk=removed.pk).update(state=Comment.State.REMOVED)
    assert sorted(found(client.get("/search/", {"q": "zebra"}))) == sorted(
        [("post", post.pk), ("comment", kept.pk)]
    )
    alice_client.post(f"/posts/{post.pk}/delete/")
    response = client.get("/search/", {"q": "zebra"})
    assert found(response) == [] and b"data-no-results" in response.content


def test_at_name_limits_to_one_author(client, make_post, make_comment, alice, bob):
    mine = make_post(author=alice, content="apples")
    make_post(author=bob, content="apples")
    reply = make_comment(post=mine, author=alice, content="more apples")
    assert sorted(found(client.get("/search/", {"q": "apples @Alice"}))) == sorted(
        [("post", mine.pk), ("comment", reply.pk)]
    )
    # @name alone: everything by that person, newest first.
    assert found(client.get("/search/", {"q": "@alice"})) == [("comment", reply.pk), ("post", mine.pk)]
    assert found(client.get("/search/", {"q": "@nobody apples"})) == []


def test_matches_are_escaped_and_marked(client, make_post, alice):
    make_post(author=alice, content="<script>alert(1)</script> the parrot speaks")
    html = client.get("/search/", {"q": "parrot"}).content.decode()
    snippet = re.search(r"data-snippet>(.*?)</p>", html, re.S).group(1)
    assert "<script>" not in snippet and "<mark>parrot</mark>" in snippet


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "!!! ??? ...",
        '"',
        '"unclosed phrase',
        "'; DROP TABLE community_post; --",
        "a" * 2000,
        "é" * 2000,
        "word " * 400,
        "\x00nul",
        "@",
        "@ @ @",
        "-",
        "or or or",
        "\ue000marker\ue001",
        "the and of",
    ],
)
def test_odd_input_gives_a_page(client, make_post, alice, q):
    make_post(author=alice, content="Something to find, with words")
    response = client.get("/search/", {"q": q})
    # The site refuses NUL in any request before a view sees it (the 400 page).
    assert response.status_code == (400 if "\x00" in q else 200)


# Not "page", which names the browser tests' Playwright page.
@pytest.mark.parametrize("number", ["0", "-1", "x", str(SEARCH_MAX_PAGES + 1), str(2**70)])
def test_odd_pages_give_a_page(client, make_post, alice, number):
    make_post(author=alice, content="words")
    assert client.get("/search/", {"q": "words", "page": number}).status_code == 200


def test_pages_are_bounded(client, make_post, alice):
    for _ in range(SEARCH_PAGE_SIZE + 5):
        make_post(author=alice, content="needle")
    first = client.get("/search/", {"q": "needle"})
    assert len(found(first)) == SEARCH_PAGE_SIZE and first.context["has_more"]
    assert 'href="?q=needle&amp;page=2"' in first.content.decode()
    second = client.get("/search/", {"q": "needle", "page": 2})
    assert len(found(second)) == 5 and not second.context["has_more"]
    assert not set(found(first)) & set(found(second))
    beyond = client.get("/search/", {"q": "needle", "page": SEARCH_MAX_PAGES + 1})
    assert found(beyond) == [] and beyond.context["past_last_page"]


@pytest.mark.parametrize("count", [1, 50])
def test_a_search_costs_a_fixed_number_of_queries(
    client, make_post, make_comment, alice, count, django_assert_num_queries
):
    post = make_post(author=alice, content="lantern")
    for _ in range(count):
        make_comment(post=post, content="lantern light")
    with django_assert_num_queries(SEARCH_QUERIES if ON_POSTGRESQL else 1):
        response = client.get("/search/", {"q": "lantern"})
    assert len(found(response)) == min(count + 1, SEARCH_PAGE_SIZE)
    with django_assert_num_queries(1):
        # Nothing found: nothing to mark.
        client.get("/search/", {"q": "nowhere"})
    with django_assert_num_queries(0):
        client.get("/search/", {"q": "  "})


def test_every_page_has_the_search_box(client):
    assert 'role="search"' in client.get("/").content.decode()


@sqlite_only
def test_the_fallback_needs_every_word_newest_first(client, make_post, alice):
    older = make_post(author=alice, content="Red Bicycle for sale")
    newer = make_post(author=alice, content="a bicycle, red and fast")
    make_post(author=alice, content="red car")
    response = client.get("/search/", {"q": "bicycle RED"})
    assert found(response) == [("post", newer.pk), ("post", older.pk)]
    assert "<mark>Red</mark> <mark>Bicycle</mark>" in response.content.decode()


@pytest.mark.postgres
@postgres_only
def test_results_are_ranked_by_relevance(client, make_post, alice):
    once = make_post(author=alice, content="A note that mentions a kettle once, among many other words here")
    often = make_post(author=alice, content="Kettle kettle kettle: the kettle")
    assert found(client.get("/search/", {"q": "kettle"})) == [("post", often.pk), ("post", once.pk)]


@pytest.mark.postgres
@postgres_only
def test_stemming_phrases_and_exclusions(client, make_post, alice):
    running = make_post(author=alice, content="She was running in the park")
    phrase = make_post(author=alice, content="the quick brown fox")
    make_post(author=alice, content="brown quick fox")
    excluded = make_post(author=alice, content="park and cats")
    assert found(client.get("/search/", {"q": "runs"})) == [("post", running.pk)]
    assert found(client.get("/search/", {"q": '"quick brown"'})) == [("post", phrase.pk)]
    assert ("post", excluded.pk) not in found(client.get("/search/", {"q": "park -cats"}))


@pytest.mark.postgres
@postgres_only
def test_headlines_mark_the_matching_words(client, make_post, alice):
    make_post(author=alice, content="<b>Bold</b> claims about volcanoes & lava")
    html = client.get("/search/", {"q": "volcano"}).content.decode()
    snippet = re.search(r"data-snippet>(.*?)</p>", html, re.S).group(1)
    assert "<mark>volcanoes</mark>" in snippet and "<b>" not in snippet


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize("model", [Post, Comment])
def test_the_search_reads_the_gin_index_of_the_stored_vectors(alice, make_post, model):
    table = model._meta.db_table
    # Enough rows that reading every one costs more than the index.
    post = make_post(author=alice)
    if model is Post:
        Post.objects.bulk_create(Post(author=alice, content=f"words {i}") for i in range(3000))
    else:
        Comment.objects.bulk_create(
            Comment(post=post, author=alice, content=f"words {i}") for i in range(3000)
        )
    queryset = matching(model.objects.all(), web_query("kettle")).order_by("-id")[:RANKED_MATCHES]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert f"{model._meta.model_name}_search_vector_idx" in plan, plan


@pytest.mark.postgres
@postgres_only
def test_the_stored_vectors_follow_edits(client, alice, make_post, make_comment):
    post = make_post(author=alice, content="About a teapot")
    comment = make_comment(post=post, author=alice, content="A saucer, chipped")
    post.content, comment.content = "About a kettle", "A mug, chipped"
    post.save(update_fields=["content"])
    Comment.objects.filter(pk=comment.pk).update(content=comment.content)
    assert found(client.get("/search/", {"q": "teapot"})) == []
    assert found(client.get("/search/", {"q": "saucer"})) == []
    assert found(client.get("/search/", {"q": "kettle"})) == [("post", post.pk)]
    assert found(client.get("/search/", {"q": "mug"})) == [("comment", comment.pk)]


@pytest.mark.postgres
@postgres_only
def test_a_common_word_is_ranked_among_its_newest_matches(client, alice, make_post, monkeypatch):
    monkeypatch.setattr(search_selectors, "RANKED_MATCHES", 3)
    best_but_old = make_post(author=alice, content="Kettle, kettle, kettle: descaling the kettle")
    newer = [make_post(author=alice, content=f"A kettle among other words, take {i}") for i in range(3)]
    make_post(author=alice, content="no match here")
    results = found(client.get("/search/", {"q": "kettle"}))
    assert sorted(results) == sorted(("post", post.pk) for post in newer)
    assert ("post", best_but_old.pk) not in results
    # A rarer word reaches back to it.
    assert found(client.get("/search/", {"q": "descaling kettle"})) == [("post", best_but_old.pk)]


@pytest.mark.postgres
@postgres_only
def test_an_author_search_lists_their_newest_writing(client, alice, bob, make_post, make_comment):
    post = make_post(author=alice, content="Hello there")
    first = make_comment(post=post, author=bob, content="First")
    second = make_comment(post=post, author=bob, content="Second")
    make_comment(post=post, author=alice, content="Mine")
    response = client.get("/search/", {"q": "@bob"})
    assert found(response) == [("comment", second.pk), ("comment", first.pk)]
    assert [r.snippet for r in response.context["results"]] == ["Second", "First"]


@postgres_only
def test_search_is_ranked_only_on_postgresql(client):
    assert client.get("/search/").context["ranked"] is True
    assert search("", page=1)[1] == []
