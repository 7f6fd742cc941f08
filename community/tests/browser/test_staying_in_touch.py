"""The header's unread count and the "new since your last visit" key, in Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Comment, PostVisit

pytestmark = pytest.mark.browser


def test_the_header_counts_unread_replies_and_the_inbox_clears_it(page, log_in, discussion):
    d = discussion
    log_in(page, d.alice)
    page.goto("/")
    count = page.locator("[data-unread-count]")
    # bob answered alice's reply: the count loads itself after the page.
    expect(count).to_have_attribute("data-unread-count", "1")
    expect(count).to_be_visible()
    page.locator("[data-inbox-link]").click()
    expect(page.locator("[data-unread-badge]")).to_have_count(1)
    expect(page.locator("[data-unread-count]")).to_have_attribute("data-unread-count", "0")
    expect(page.locator("[data-unread-count]")).to_be_hidden()


def test_g_walks_the_comments_that_are_new_since_the_last_visit(page, log_in, discussion):
    d = discussion
    PostVisit.objects.create(user=d.alice, post=d.post, visited_at=timezone.now() - timedelta(hours=1))
    Comment.objects.filter(pk__in=[d.top.pk, d.reply.pk]).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    expect(page.locator("[data-new-badge]")).to_have_count(2)  # nested and second; reply is alice's
    expect(page.locator("[data-next-new-key]")).to_be_visible()
    page.keyboard.press("g")
    assert page.evaluate("document.activeElement.id") == f"comment-{d.nested.pk}"
    page.keyboard.press("g")
    assert page.evaluate("document.activeElement.id") == f"comment-{d.second.pk}"
    page.keyboard.press("g")
    assert page.evaluate("document.activeElement.id") == f"comment-{d.nested.pk}"
