"""
The API's pages in a real Chromium, under the site's Content-Security-Policy:
Swagger UI at /api/docs/ (its start-up script is a file of its own, since
`script-src 'self'` runs no inline script) and DRF's browsable API.
"""

import json

import pytest

from community.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(errors):
    return [error for error in errors if "Content Security Policy" in error]


def only_styles_blocked(errors):
    """
    Both pages carry a little inline CSS of their packages' own templates
    (Swagger UI's page a <style> of three cosmetic rules, DRF's a few
    style attributes), which `style-src 'self'` blocks; no script is.
    Empties `errors` once checked.
    """
    blocked = csp_violations(errors)
    assert blocked == errors, errors
    assert all("style-src" in error for error in blocked), blocked
    errors.clear()


def test_swagger_ui_loads_the_schema_and_runs_under_the_policy(page, live_server, js_errors):
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    # Every operation of the schema is listed, from our own static files.
    assert page.locator(".opblock").count() == 22
    assert page.get_by_text("Community API").first.is_visible()
    only_styles_blocked(js_errors)


def test_swagger_ui_try_it_out_reads_the_feed(page, live_server, make_post, js_errors):
    make_post(content="Seen through Swagger UI")
    page.goto(f"{live_server.url}/api/docs/")
    operation = page.locator("#operations-posts-posts_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    body = operation.locator(".responses-wrapper .live-responses-table .microlight").first
    body.wait_for(timeout=20_000)
    assert "Seen through Swagger UI" in body.inner_text()
    only_styles_blocked(js_errors)


def test_the_browsable_api_writes_a_post_under_the_policy(page, live_server, log_in, alice, js_errors):
    log_in(page, alice)
    page.goto(f"{live_server.url}/api/v1/posts/")
    assert page.locator(".response-info").is_visible()
    # DRF's raw data form, sent by its own script with the CSRF header.
    page.locator("#post-generic-content-form textarea").fill(
        json.dumps({"content": "From the browsable API"})
    )
    page.locator("#post-generic-content-form").get_by_role("button", name="POST").click()
    page.wait_for_selector("text=HTTP 201 Created", timeout=10_000)
    assert Post.objects.get().content == "From the browsable API"
    only_styles_blocked(js_errors)
