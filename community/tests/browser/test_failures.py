"""
With JavaScript, a click that the server cannot answer says so where the
person is looking, and leaves the page as it was.
"""

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from community.models import Like
from community.services import likes as like_services

pytestmark = pytest.mark.browser


def test_like_while_the_database_is_away_shows_the_sites_message(
    page, js_errors, log_in, discussion, monkeypatch, stay_on_page
):
    d = discussion

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The live server runs in this process: its view calls this.
    monkeypatch.setattr(like_services, "like_add", database_gone)
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    button = page.locator(f"#like-post-{d.post.pk}-button")
    with stay_on_page(page):
        button.click()
        message = page.locator("#htmx-messages [data-error-status='503']")
        expect(message).to_be_visible()
        expect(message).to_contain_text("database")
    expect(button).to_have_attribute("aria-pressed", "false")
    assert not Like.objects.exists()
    # The failed request is logged to the console by the browser and htmx.
    js_errors.clear()


def test_an_error_page_from_a_proxy_does_not_replace_the_button(
    page, js_errors, log_in, discussion, stay_on_page
):
    d = discussion
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    # What a proxy in front of the site answers when the site is down.
    page.route(
        f"**/posts/{d.post.pk}/like/",
        lambda route: route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>"),
    )
    button = page.locator(f"#like-post-{d.post.pk}-button")
    with stay_on_page(page):
        button.click()
        expect(page.locator("#htmx-messages")).to_contain_text("could not answer (error 502)")
    expect(page.get_by_text("502 Bad Gateway")).to_have_count(0)
    expect(button).to_have_attribute("aria-pressed", "false")
    js_errors.clear()


def test_a_network_failure_is_reported(page, js_errors, log_in, discussion, stay_on_page):
    d = discussion
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    page.route(f"**/posts/{d.post.pk}/like/", lambda route: route.abort("connectionrefused"))
    with stay_on_page(page):
        page.locator(f"#like-post-{d.post.pk}-button").click()
        expect(page.locator("#htmx-messages")).to_contain_text("could not be reached")
    js_errors.clear()
