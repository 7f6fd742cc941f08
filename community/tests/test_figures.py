"""Every number a page states comes from the definition that enforces it."""

import pytest

from community import models
from community.models import Like
from community.selectors import karma, profiles


@pytest.fixture
def figures(monkeypatch, settings):
    """Change every rule's number, so a page that copied one shows the old value."""
    monkeypatch.setattr(Like, "POST_KARMA", 7)
    monkeypatch.setattr(Like, "COMMENT_KARMA", 3)
    monkeypatch.setattr(models, "CONTENT_MAX_LENGTH", 12_345)
    monkeypatch.setattr("community.context_processors.CONTENT_MAX_LENGTH", 12_345)
    monkeypatch.setattr("community.context_processors.LEADERBOARD_SIZE", 4)
    settings.COMMUNITY_LEADERBOARD_POLL_SECONDS = 9


def test_karma_weights_on_every_page(figures, client, db):
    body = client.get("/").content.decode()
    assert "+7 for each like on your posts, +3 for each like on your comments" in body


def test_leaderboard_page_states_size_window_and_weights(figures, client, db):
    body = client.get("/leaderboard/").content.decode()
    assert "The four people who earned the most karma in the last 24 hours: +7" in body
    assert "+3 for each like on their comments" in body
    assert 'hx-trigger="every 9s' in body


def test_feed_panel_polls_at_the_configured_interval(figures, client, db):
    assert "every 9s" in client.get("/").content.decode()


def test_post_form_states_the_length_limit(figures, alice_client):
    assert "Up to 12,345 characters." in alice_client.get("/posts/new/").content.decode()


def test_receipts_use_the_weights(figures):
    assert karma.Karma(post_likes=2, comment_likes=1).receipt == "2 post likes × 7 + 1 comment like × 3 = 17"


def test_profile_lists_as_many_items_as_its_constant(client, make_user, make_post, monkeypatch):
    author = make_user("maya")
    for _ in range(4):
        make_post(author=author)
    monkeypatch.setattr(profiles.recent_posts_of, "__defaults__", None)
    monkeypatch.setattr(profiles.recent_posts_of, "__kwdefaults__", {"viewer": None, "limit": 3})
    assert len(client.get("/u/maya/").context["posts"]) == 3
