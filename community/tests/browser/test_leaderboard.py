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


def test_an_open_row_stays_open_and_follows_its_person_across_a_refresh(page, make_user, make_post):
    bob, carol = make_user("bob"), make_user("carol")
    bobs, carols = make_post(author=bob), make_post(author=carol)
    like_services.like_add(user=make_user("dave"), model=Post, target_id=bobs.pk)
    like_services.like_add(user=make_user("erin"), model=Post, target_id=bobs.pk)
    like_services.like_add(user=make_user("dave2"), model=Post, target_id=carols.pk)
    response = page.goto("/leaderboard/")
    # The morph runs under the site's policy: no eval (a violation fails the test as a console error).
    assert "script-src 'self'" in response.headers["content-security-policy"]
    panel = page.locator("[data-leaderboard-panel]")
    names = panel.locator("[data-username]")
    expect(names.first).to_have_attribute("data-username", "bob")
    carols_row = panel.locator('[data-username="carol"] details')
    carols_row.locator("summary").click()
    expect(carols_row).to_have_attribute("open", "")
    # The poll waits while focus is in the list; reading on elsewhere lets it run.
    page.get_by_role("heading", name="Leaderboard", exact=True).click()
    opened = carols_row.element_handle()

    # carol overtakes bob: the rows swap places.
    for liker in ("frank", "grace"):
        like_services.like_add(user=make_user(liker), model=Post, target_id=carols.pk)
    expect(names.first).to_have_attribute("data-username", "carol", timeout=UPDATE_WITHIN_MS)
    announcer = panel.locator("[data-leaderboard-announcer]")
    expect(announcer).to_contain_text("1. carol, 15 karma; 2. bob, 10 karma")
    # Her row is still open, and is the same element, moved rather than rebuilt; bob's stays closed.
    expect(carols_row).to_have_attribute("open", "")
    assert opened.evaluate("details => details.isConnected && details.open")
    assert panel.locator('[data-username="bob"] details').get_attribute("open") is None


def test_an_emptied_leaderboard_is_announced_in_the_pages_words(page, make_user, make_post):
    post = make_post(author=make_user("bob"))
    carol = make_user("carol")
    like_services.like_add(user=carol, model=Post, target_id=post.pk)
    page.goto("/leaderboard/")
    panel = page.locator("[data-leaderboard-panel]")
    expect(panel.locator('[data-username="bob"]')).to_be_visible()
    like_services.like_remove(user=carol, model=Post, target_id=post.pk)
    expect(panel.locator("[data-leaderboard-announcer]")).to_have_text(
        "Leaderboard: No karma earned in the last 24 hours yet.", timeout=UPDATE_WITHIN_MS
    )
    expect(panel.locator("[data-username]")).to_have_count(0)
