"""The feed shows the start of a long post and "Read more"; a card is named by its author and first words."""

import pytest

from community.rich_text import CLIP_CHARS, CLIP_LINES, clip, first_words
from community.tests.helpers import HTMX

pytestmark = pytest.mark.django_db

LONG = " ".join(f"word{i}" for i in range(300))  # far over CLIP_CHARS


def _card(body: str, post_id: int) -> str:
    start = body.index(f'<article id="post-{post_id}"')
    return body[start : body.index("</article>", start)]


def test_clip_cuts_long_text_at_a_word_boundary():
    text, clipped = clip(LONG)
    assert clipped
    assert len(text) <= CLIP_CHARS + 1
    assert text.endswith("…")
    assert LONG.startswith(text[:-1])
    assert LONG[len(text) - 1] == " "  # the cut falls between words
    assert clip("A short post") == ("A short post", False)


def test_clip_keeps_at_most_the_first_lines():
    text, clipped = clip("\n".join(f"line {i}" for i in range(CLIP_LINES + 5)))
    assert clipped
    assert text.count("\n") == CLIP_LINES - 1
    assert clip("\n".join(f"line {i}" for i in range(CLIP_LINES))) == (
        "\n".join(f"line {i}" for i in range(CLIP_LINES)),
        False,
    )


def test_a_clipped_markdown_source_still_renders_well_formed(client, make_post):
    post = make_post(content="```\n" + "code line\n" * 30 + "```\n\nafter")
    card = _card(client.get("/").content.decode(), post.pk)
    assert card.count("<pre>") == card.count("</pre>") == 1
    assert "after" not in card


def test_the_feed_clips_long_posts_with_read_more_and_the_post_page_does_not(client, make_post):
    long_post = make_post(content=LONG)
    short_post = make_post(content="Just a few words")
    feed = client.get("/").content.decode()
    long_card = _card(feed, long_post.pk)
    assert "word299" not in long_card
    assert f'<a href="/posts/{long_post.pk}/"' in long_card
    assert "data-read-more" in long_card
    assert "data-read-more" not in _card(feed, short_post.pk)
    page = client.get(long_post.get_absolute_url()).content.decode()
    assert "word299" in page
    assert "data-read-more" not in page


def test_older_pages_and_a_new_post_in_place_are_clipped_too(alice_client, make_post, settings):
    settings.COMMUNITY_FEED_PAGE_SIZE = 1
    old = make_post(content=LONG)
    make_post()
    first = alice_client.get("/").content.decode()
    cursor = first.split("?cursor=")[1].split('"')[0]
    older = alice_client.get(f"/?cursor={cursor}", **HTMX).content.decode()
    assert "data-read-more" in _card(older, old.pk)
    created = alice_client.post("/posts/new/", {"content": LONG}, **HTMX).content.decode()
    assert "data-read-more" in created


def test_a_card_is_named_by_its_author_and_first_words(client, make_post, alice):
    post = make_post(
        author=alice, content="First words of the post, and then a great deal more text after them"
    )
    card = _card(client.get("/").content.decode(), post.pk)
    assert f'aria-label="alice: {first_words(post.content)}"' in card
    assert first_words(post.content) == "First words of the post, and then a great deal more text…"
    assert "aria-labelledby" not in card.split(">", 1)[0]
