"""The live leaderboard: it refreshes itself every 5 seconds, and stops while paused."""

import pytest
from playwright.sync_api import expect

from community.models import Comment, Post
from community.services import likes as like_services

pytestmark = pytest.mark.browser

# The panel polls every 5 s: allow two polls and a slow one.
UPDATE_WITHIN_MS = 12_000


def polls(page):
    """The leaderboard requests htmx makes from now on."""
    seen = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if r.headers.get("hx-request") and "/leaderboard/" in r.url else None,
    )
    return seen


def test_feed_panel_follows_likes_and_stops_while_paused(page, make_user, make_post):
    bob = make_user("bob")
    post = make_post(author=bob, content="A post people like")
    page.goto("/")
    panel = page.locator("[data-leaderboard-panel]")
    # Loaded right after the page, then refreshed every 5 seconds.
    expect(panel).to_contain_text("No karma earned in the last 24 hours yet.")

    # Another person likes bob's post while the page is open.
    like_services.like_add(user=make_user("carol"), model=Post, target_id=post.pk)
    bob_row = panel.locator('[data-username="bob"]')
    expect(bob_row).to_have_attribute("data-karma", "5", timeout=UPDATE_WITHIN_MS)
    expect(bob_row).to_contain_text("5")
    expect(panel.locator("[data-leaderboard-announcer]")).to_contain_text("1. bob, 5 karma")

    pause = panel.get_by_role("button", name="Pause live updates")
    expect(pause).to_have_attribute("aria-pressed", "false")
    pause = panel.locator("[data-leaderboard-pause]")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(pause).to_have_text("Resume live updates")
    as_of = panel.locator("time").inner_text()
    requests = polls(page)
    like_services.like_add(user=make_user("dave"), model=Post, target_id=post.pk)
    page.wait_for_timeout(7_000)
    assert bob_row.get_attribute("data-karma") == "5"
    assert panel.locator("time").inner_text() == as_of
    assert requests == []

    # Resuming catches up with what happened meanwhile.
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "false")
    expect(bob_row).to_have_attribute("data-karma", "10", timeout=UPDATE_WITHIN_MS)


def test_leaderboard_page_refreshes_itself(page, make_user, make_post, make_comment):
    bob = make_user("bob")
    comment = make_comment(author=bob, content="A helpful comment")
    page.goto("/leaderboard/")
    panel = page.locator("[data-leaderboard-panel]")
    expect(panel).to_contain_text("No karma earned in the last 24 hours yet.")
    like_services.like_add(user=make_user("carol"), model=Comment, target_id=comment.pk)
    expect(panel.locator('[data-username="bob"]')).to_have_attribute(
        "data-karma", "1", timeout=UPDATE_WITHIN_MS
    )
