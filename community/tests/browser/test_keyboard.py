"""Keyboard only: the shortcuts of static/js/behaviors/keyboard.js, with no mouse at all."""

import pytest
from playwright.sync_api import expect

from community.models import Comment, Like

pytestmark = pytest.mark.browser


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def current_id(page):
    return page.evaluate("(document.querySelector('.current-item') || {}).id || null")


def test_navigate_like_reply_and_help_on_a_post_page(page, live_server, log_in, discussion, stay_on_page):
    d = discussion
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())

    with stay_on_page(page):
        # j/k walk the post, then the comments in reading order.
        reading_order = [f"post-{d.post.pk}"] + [
            f"comment-{c.pk}" for c in (d.top, d.reply, d.nested, d.second)
        ]
        for expected in reading_order:
            page.keyboard.press("j")
            assert focused_id(page) == expected
            assert current_id(page) == expected
        page.keyboard.press("k")
        page.keyboard.press("k")
        assert focused_id(page) == f"comment-{d.reply.pk}"

        # The current item shows a focus ring and is on screen.
        current = page.locator(".current-item")
        assert current.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
        assert current.evaluate("el => parseFloat(getComputedStyle(el).outlineWidth)") >= 2
        expect(current).to_be_in_viewport()

        # p goes to the parent, t to the top of the thread.
        page.keyboard.press("j")
        assert focused_id(page) == f"comment-{d.nested.pk}"
        page.keyboard.press("p")
        assert focused_id(page) == f"comment-{d.reply.pk}"
        page.keyboard.press("j")
        page.keyboard.press("t")
        assert focused_id(page) == f"comment-{d.top.pk}"

        # c collapses the replies: j then skips them; c again brings them back.
        page.keyboard.press("c")
        expect(page.locator(f"#comment-{d.reply.pk}")).to_be_hidden()
        page.keyboard.press("j")
        assert focused_id(page) == f"comment-{d.second.pk}"
        page.keyboard.press("k")
        page.keyboard.press("c")
        expect(page.locator(f"#comment-{d.reply.pk}")).to_be_visible()

        # l likes the current comment (someone else's) and keeps focus on its like button.
        page.keyboard.press("l")
        button = page.locator(f"#like-comment-{d.top.pk}-button")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_be_focused()
        expect(page.locator("#announcer")).to_contain_text("Liked")
        assert Like.objects.filter(user=d.alice, target_id=d.top.pk).count() == 1
        expect(button).to_have_attribute("data-like-count", "1")
        # ...and l again takes the like back.
        page.keyboard.press("l")
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(page.locator("#announcer")).to_contain_text("Like removed")
        assert not Like.objects.filter(user=d.alice, target_id=d.top.pk).exists()

        # r opens the reply form under the current comment, focused.
        page.keyboard.press("r")
        field = page.locator(f"#reply-slot-{d.top.pk} textarea")
        expect(field).to_be_focused()
        # Keys are plain letters while typing.
        page.keyboard.type("jk with the keyboard only")
        expect(field).to_have_value("jk with the keyboard only")
        page.keyboard.press("Tab")
        expect(page.locator(f"#reply-slot-{d.top.pk}").get_by_role("button", name="Reply")).to_be_focused()
        page.keyboard.press("Enter")

        new = Comment.objects.filter(content="jk with the keyboard only")
        expect(page.locator(f"#replies-{d.top.pk} > li > article").last).to_contain_text(
            "jk with the keyboard only"
        )
        assert new.count() == 1 and new.get().parent_id == d.top.pk
        expect(page.locator(f"#comment-{new.get().pk}")).to_be_focused()
        expect(page.locator("#announcer")).to_have_text("Comment added.")
        expect(page.locator(f"#reply-slot-{d.top.pk} form")).to_have_count(0)

        # ? opens the help listing every key; Escape closes it.
        page.keyboard.press("?")
        dialog = page.locator("#keys-help")
        expect(dialog).to_be_visible()
        for key in ["j", "k", "p", "t", "c", "l", "r", "o", "Enter", "n", "?", "Esc"]:
            expect(dialog.locator("kbd", has_text=key).first).to_be_attached()
        page.keyboard.press("j")  # ignored while the dialog is open
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(page.locator(f"#comment-{new.get().pk}")).to_be_focused()

        # n goes to the new comment form.
        page.keyboard.press("n")
        expect(page.locator("#comment-content-top")).to_be_focused()
        page.keyboard.press("Escape")

    # o opens the current comment's own page.
    page.locator(f"#comment-{d.second.pk}").focus()
    page.keyboard.press("o")
    expect(page).to_have_url(f"{live_server.url}{d.second.get_absolute_url()}")


def test_modifier_keys_and_fields_are_left_alone(page, log_in, discussion):
    log_in(page, discussion.alice)
    page.goto(discussion.post.get_absolute_url())
    page.keyboard.press("Control+j")
    page.keyboard.press("Alt+j")
    page.keyboard.press("Shift+J")
    assert current_id(page) is None
    page.locator("#comment-content-top").focus()
    page.keyboard.type("jjk?")
    expect(page.locator("#comment-content-top")).to_have_value("jjk?")
    assert current_id(page) is None
    expect(page.locator("#keys-help")).to_be_hidden()


def test_feed_keys_move_between_posts_and_open_them(page, live_server, log_in, make_user, make_post):
    viewer = make_user("alice")
    posts = [make_post(content=f"Post number {n}") for n in range(3)]
    newest_first = list(reversed(posts))
    log_in(page, viewer)
    page.goto("/")
    page.keyboard.press("j")
    assert focused_id(page) == f"post-{newest_first[0].pk}"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_id(page) == f"post-{newest_first[2].pk}"
    page.keyboard.press("j")  # the last one: stays put
    assert focused_id(page) == f"post-{newest_first[2].pk}"
    page.keyboard.press("k")
    assert focused_id(page) == f"post-{newest_first[1].pk}"
    page.keyboard.press("n")
    expect(page.locator("[data-new-form]")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # back out of the field, onto the page
    page.locator(f"#post-{newest_first[1].pk}").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{newest_first[1].get_absolute_url()}")


def test_help_button_opens_the_same_dialog(page, discussion):
    page.goto(discussion.post.get_absolute_url())
    page.get_by_role("button", name="Keys").click()
    expect(page.locator("#keys-help")).to_be_visible()
    page.get_by_role("button", name="Close").click()
    expect(page.locator("#keys-help")).to_be_hidden()


def test_closing_the_help_gives_focus_back_only_if_nothing_took_it(page, log_in, discussion):
    log_in(page, discussion.alice)
    page.goto(discussion.post.get_absolute_url())
    page.keyboard.press("j")
    item = focused_id(page)
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    # The dialog's close event comes a task later; a key pressed at once
    # (here n's move, in the same task as the close) keeps its focus.
    page.evaluate(
        "document.getElementById('keys-help').close();document.getElementById('comment-content-top').focus();"
    )
    page.wait_for_timeout(100)
    assert focused_id(page) == "comment-content-top"
    # Closed with nothing else focused, the help gives focus back.
    page.locator(f"#{item}").focus()
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(f"#{item}")).to_be_focused()
