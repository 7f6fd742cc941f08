"""
With JavaScript disabled the whole site still works through ordinary forms
and links, and every form answers with post/redirect/get.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from community.models import Comment, Like, Post
from community.selectors import karma

pytestmark = pytest.mark.browser


def submit(page, button):
    """Click a form's button; the POST must answer with a redirect to a page that loads."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response.ok, f"{response.status} {response.url}"
    assert response.request.method == "GET"
    assert response.request.redirected_from is not None, "the form did not redirect"
    assert response.request.redirected_from.method == "POST"
    return response


def test_everything_works_without_javascript(no_js_page, live_server, discussion, make_comment):
    page = no_js_page
    d = discussion
    chain = [d.nested]
    for level in range(4, 11):
        chain.append(make_comment(parent=chain[-1], content=f"Deep reply at level {level}"))

    # Sign up.
    page.goto("/accounts/signup/")
    # Scripts really are off: enhancements that need them stay hidden.
    expect(page.locator("[data-keys-help]")).to_be_hidden()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password", exact=True).fill("a-long-test-password-42")
    page.get_by_label("Password confirmation").fill("a-long-test-password-42")
    submit(page, page.get_by_role("button", name="Sign up"))
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_contain_text("Welcome, newcomer!")
    newcomer = get_user_model().objects.get(username="newcomer")

    # Post; reloading the page it lands on does not post again.
    page.get_by_label("New post").fill("Hello from a browser without scripts.")
    submit(page, page.get_by_role("button", name="Post", exact=True))
    expect(page.get_by_role("status")).to_contain_text("Your post is up.")
    expect(page.locator("#post-list > article").first).to_contain_text(
        "Hello from a browser without scripts."
    )
    page.reload()
    assert Post.objects.filter(author=newcomer).count() == 1
    own_post = Post.objects.get(author=newcomer)

    # Comment on bob's post.
    page.goto(d.post.get_absolute_url())
    page.get_by_label("Add a comment").fill("I would go for the ridge.")
    submit(page, page.get_by_role("button", name="Comment", exact=True))
    comment = Comment.objects.get(author=newcomer, parent=None)
    expect(page).to_have_url(f"{live_server.url}{d.post.get_absolute_url()}#comment-{comment.pk}")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("I would go for the ridge.")

    # Reply to carol, on the reply page.
    page.locator(f"#comment-{d.second.pk}").get_by_role("link", name="Reply").click()
    expect(page).to_have_url(re.compile(rf"/comments/{d.second.pk}/reply/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to carol")
    page.get_by_label("Your reply").fill("The lake loop has a good cafe.")
    submit(page, page.get_by_role("button", name="Reply"))
    reply = Comment.objects.get(author=newcomer, parent=d.second)
    expect(page).to_have_url(f"{live_server.url}{d.post.get_absolute_url()}#comment-{reply.pk}")
    expect(page.locator(f"#replies-{d.second.pk} #comment-{reply.pk}")).to_contain_text("The lake loop")

    # Like and unlike bob's post and carol's comment.
    for kind, target in [("post", d.post), ("comment", d.top)]:
        button = page.locator(f"#like-{kind}-{target.pk}-button")
        submit(page, button)
        expect(page).to_have_url(re.compile(rf"{d.post.get_absolute_url()}#{kind}-{target.pk}$"))
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_have_attribute("data-like-count", "1")
        assert Like.objects.filter(user=newcomer, target_id=target.pk, target_type__model=kind).exists()
        submit(page, button)
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(button).to_have_attribute("data-like-count", "0")
        assert not Like.objects.filter(user=newcomer, target_id=target.pk, target_type__model=kind).exists()
    submit(page, page.locator(f"#like-post-{d.post.pk}-button"))  # bob keeps this like

    # Continue a thread deeper than one page shows.
    expect(page.locator(f"#comment-{chain[-1].pk}")).to_have_count(0)
    page.get_by_role("link", name="Continue this thread").click()
    expect(page.locator(f"#comment-{chain[-1].pk}")).to_contain_text("Deep reply at level 10")

    # Edit one's own comment.
    page.goto(d.post.get_absolute_url())
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Edit").click()
    page.get_by_label("Text").fill("I would go for the ridge, weather permitting.")
    submit(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("Your comment was updated.")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("weather permitting")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("(edited)")

    # Delete one's own comment, then one's own post.
    page.locator(f"#comment-{reply.pk}").get_by_role("link", name="Delete").click()
    submit(page, page.get_by_role("button", name="Yes, delete it"))
    expect(page.get_by_role("status")).to_contain_text("Your comment was deleted.")
    assert Comment.objects.get(pk=reply.pk).state == Comment.State.DELETED
    page.goto(own_post.get_absolute_url())
    page.locator(f"#post-{own_post.pk}").get_by_role("link", name="Delete").click()
    submit(page, page.get_by_role("button", name="Yes, delete it"))
    expect(page.get_by_role("status")).to_contain_text("Your post was deleted")
    assert not Post.objects.filter(pk=own_post.pk).exists()

    # Read the leaderboard: the numbers are the database's.
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Leaderboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leaderboard")
    for entry in karma.leaderboard():
        row = page.locator(f'[data-username="{entry.username}"]')
        expect(row).to_have_attribute("data-karma", str(entry.total))
    expect(page.locator('[data-username="bob"]')).to_have_attribute("data-karma", "5")

    # Log out, then log in again through the form.
    submit(page, page.get_by_role("button", name="Log out"))
    site = page.get_by_role("navigation", name="Site")
    site.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill("a-long-test-password-42")
    submit(page, page.get_by_role("button", name="Log in"))
    expect(site.get_by_role("link", name="newcomer")).to_be_visible()


def test_form_errors_are_shown_on_their_fields_without_javascript(no_js_page, log_in, discussion):
    page = no_js_page
    log_in(page, discussion.alice)
    page.goto(discussion.post.get_absolute_url())
    page.get_by_role("button", name="Comment", exact=True).click()
    field = page.get_by_label("Add a comment")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("Write something first"))

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not her password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")


def test_comments_and_replies_are_confirmed_and_highlighted_without_javascript(
    no_js_page, live_server, log_in, discussion
):
    page = no_js_page
    d = discussion
    log_in(page, d.alice)
    highlight = "el => getComputedStyle(el).backgroundColor"

    page.goto(d.post.get_absolute_url())
    page.get_by_label("Add a comment").fill("Ridge, then the lake.")
    submit(page, page.get_by_role("button", name="Comment", exact=True))
    comment = Comment.objects.get(content="Ridge, then the lake.")
    expect(page).to_have_url(f"{live_server.url}{d.post.get_absolute_url()}#comment-{comment.pk}")
    expect(page.get_by_role("status")).to_have_text("Your comment is up.")
    added = page.locator(f"#comment-{comment.pk}")
    assert added.evaluate("el => el.matches(':target')")
    assert added.evaluate(highlight) != page.locator(f"#comment-{d.top.pk}").evaluate(highlight)

    page.goto(f"/comments/{d.second.pk}/reply/")
    page.get_by_label("Your reply").fill("Lake for me.")
    submit(page, page.get_by_role("button", name="Reply"))
    reply = Comment.objects.get(content="Lake for me.")
    expect(page.get_by_role("status")).to_have_text("Your reply is up.")
    assert page.locator(f"#comment-{reply.pk}").evaluate("el => el.matches(':target')")


def test_an_empty_comment_without_javascript_shows_the_post_with_the_error(no_js_page, log_in, discussion):
    page = no_js_page
    d = discussion
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    response_of = []
    page.on("response", lambda r: response_of.append(r.status) if r.request.method == "POST" else None)
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator(f"#post-{d.post.pk}")).to_contain_text("Which trail should we take on Saturday?")
    expect(page.locator(f"#comment-{d.top.pk}")).to_be_visible()
    field = page.get_by_label("Add a comment")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("Write something first"))
    assert response_of == [400]
    assert Comment.objects.filter(post=d.post).count() == 4
