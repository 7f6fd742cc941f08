"""
How Chromium, htmx and the fragment's ETag work together: an unchanged
leaderboard costs a 304 with no body, the panel keeps what it shows (and
says when it was last confirmed), and a changed one is swapped in.
"""

import pytest
from playwright.sync_api import expect

from community.models import Post
from community.services import likes as like_services
from community.views import people as views

pytestmark = pytest.mark.browser


def test_an_unchanged_answer_is_revalidated_and_a_change_is_swapped_in(
    page, make_user, make_post, settings, monkeypatch
):
    settings.COMMUNITY_LEADERBOARD_POLL_SECONDS = 1
    # What the site answered (the browser reports a revalidated answer as the 200 it keeps).
    answered = []
    conditional = views.get_conditional_response

    def recorded(request, **kwargs):
        response = conditional(request, **kwargs)
        answered.append(304 if response is not None else 200)
        return response

    monkeypatch.setattr(views, "get_conditional_response", recorded)
    bob = make_user("bob")
    post = make_post(author=bob, content="A post people like")
    like_services.like_add(user=make_user("carol"), model=Post, target_id=post.pk)
    seen = []

    def record(response):
        request = response.request
        if "/leaderboard/" in response.url and request.headers.get("hx-request"):
            seen.append((request.all_headers().get("if-none-match"), response.status))

    page.on("response", record)
    page.goto("/")
    panel = page.locator("[data-leaderboard-panel]")
    bob_row = panel.locator('[data-username="bob"]')
    expect(bob_row).to_have_attribute("data-karma", "5")
    as_of = panel.locator("[data-leaderboard-as-of]")
    first_time = as_of.inner_text()
    # An expando property lives exactly as long as the element does.
    bob_row.evaluate("row => { row.keptSince = 'first poll'; }")

    # Polls with nothing new: the browser sends the ETag it keeps, the site
    # answers 304, and the panel keeps its rows while its time moves on.
    page.wait_for_timeout(3_500)
    assert all(etag for etag, _ in seen[1:]), seen
    assert answered[0] == 200 and answered[1:] and set(answered[1:]) == {304}, answered
    assert all(status == 200 for _, status in seen), seen
    expect(as_of).not_to_have_text(first_time)
    assert bob_row.evaluate("row => row.keptSince") == "first poll"
    assert bob_row.get_attribute("data-karma") == "5"

    # A new like changes the answer: the next poll is a 200 and is swapped in.
    like_services.like_add(user=make_user("dave"), model=Post, target_id=post.pk)
    expect(bob_row).to_have_attribute("data-karma", "10", timeout=5_000)
    assert 200 in answered[1:]
    assert bob_row.evaluate("row => row.keptSince") == "first poll"
