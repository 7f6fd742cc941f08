"""
Reading and writing with JavaScript: what the leaderboard says and keeps,
the keys that open and send forms, replies that behave like loaded ones,
the feed's history, and the character counter.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Comment, Like, Post
from community.services import likes as like_services

pytestmark = pytest.mark.browser

# The panel polls every 5 s: allow two polls and a slow one.
UPDATE_WITHIN_MS = 12_000


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_leaderboard_speaks_of_new_names_not_of_karma_alone(page, make_user, make_post):
    bob, carol = make_user("bob"), make_user("carol")
    bobs, carols = make_post(author=bob), make_post(author=carol)
    for liker in ("dave", "erin"):
        like_services.like_add(user=make_user(liker), model=Post, target_id=bobs.pk)
    page.goto("/leaderboard/")
    panel = page.locator("[data-leaderboard-panel]")
    announcer = panel.locator("[data-leaderboard-announcer]")
    bob_row = panel.locator('[data-username="bob"]')
    expect(bob_row).to_have_attribute("data-karma", "10")

    # One of bob's likes leaves the 24-hour window: his karma drops, nobody new is listed.
    Like.objects.filter(target_id=bobs.pk, user__username="dave").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    expect(bob_row).to_have_attribute("data-karma", "5", timeout=UPDATE_WITHIN_MS)
    # ...and another like only moves his karma back up.
    like_services.like_add(user=make_user("frank"), model=Post, target_id=bobs.pk)
    expect(bob_row).to_have_attribute("data-karma", "10", timeout=UPDATE_WITHIN_MS)
    expect(announcer).to_have_text("")

    # carol enters below him: said, with the list.
    like_services.like_add(user=make_user("grace"), model=Post, target_id=carols.pk)
    expect(announcer).to_have_text(
        "Leaderboard: carol joined the leaderboard. 1. bob, 10 karma; 2. carol, 5 karma.",
        timeout=UPDATE_WITHIN_MS,
    )


def test_pause_is_remembered_across_pages(page, make_user, make_post):
    page.goto("/")
    pause = page.locator("[data-leaderboard-pause]")
    expect(pause).to_have_attribute("aria-pressed", "false")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")

    polls = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    page.goto("/leaderboard/")
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(pause).to_have_text("Resume live updates")
    page.wait_for_timeout(6_000)
    assert polls == []

    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(pause).to_have_attribute("aria-pressed", "false")
    expect(pause).to_have_text("Pause live updates")


def test_r_opens_the_reply_box_whole_and_focused(page, log_in, discussion):
    d = discussion
    page.set_viewport_size({"width": 1280, "height": 420})
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    for _ in range(5):  # the post, then the comments down to carol's second one
        page.keyboard.press("j")
    assert focused_id(page) == f"comment-{d.second.pk}"
    page.keyboard.press("r")
    slot = page.locator(f"#reply-slot-{d.second.pk}")
    expect(slot.locator("textarea")).to_be_focused()
    expect(slot.get_by_role("button", name="Reply")).to_be_in_viewport(ratio=1)
    expect(slot.get_by_role("link", name="Cancel")).to_be_in_viewport(ratio=1)
    # r again, from the comment, goes back to the open box rather than loading another.
    page.locator(f"#comment-{d.second.pk}").focus()
    page.keyboard.press("r")
    expect(slot.locator("textarea")).to_be_focused()
    expect(slot.locator("form")).to_have_count(1)


def test_r_on_the_feed_opens_the_post_at_its_comment_box(page, live_server, log_in, make_user, make_post):
    post = make_post(content="Where to eat tonight?")
    log_in(page, make_user("alice"))
    page.goto("/")
    page.keyboard.press("j")
    assert focused_id(page) == f"post-{post.pk}"
    page.keyboard.press("r")
    expect(page).to_have_url(f"{live_server.url}{post.get_absolute_url()}#comment-form-top")
    expect(page.get_by_label("Add a comment")).to_be_focused()


def test_ctrl_or_cmd_enter_sends_the_form(page, log_in, discussion, stay_on_page):
    d = discussion
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    with stay_on_page(page):
        page.get_by_label("Add a comment").fill("Sent from the keyboard.")
        page.get_by_label("Add a comment").press("Control+Enter")
        expect(page.locator("#comments-root > li > article").last).to_contain_text("Sent from the keyboard.")
    assert Comment.objects.filter(content="Sent from the keyboard.").count() == 1

    page.goto("/")
    with stay_on_page(page):
        page.get_by_label("New post").fill("Posted with the Mac's key.")
        page.get_by_label("New post").press("Meta+Enter")
        expect(page.locator("#post-list > article").first).to_contain_text("Posted with the Mac's key.")
    assert Post.objects.filter(content="Posted with the Mac's key.").count() == 1


def test_a_first_reply_in_place_can_be_collapsed_like_loaded_ones(page, log_in, discussion, stay_on_page):
    d = discussion
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    with stay_on_page(page):
        page.locator(f"#comment-{d.second.pk}").get_by_role("link", name="Reply").click()
        page.locator(f"#reply-slot-{d.second.pk}").get_by_label("Your reply").fill("The lake it is.")
        page.locator(f"#reply-slot-{d.second.pk}").get_by_role("button", name="Reply").click()
        reply = page.locator(f"#replies-{d.second.pk} > li > article")
        expect(reply).to_be_focused()
        carols = page.locator(f"#comment-{d.second.pk}").locator("xpath=..")
        summary = carols.locator(":scope > details > summary")
        expect(summary).to_have_text("1 reply")
        # c on carol's comment folds the new reply away, as after a reload.
        page.keyboard.press("k")
        assert focused_id(page) == f"comment-{d.second.pk}"
        page.keyboard.press("c")
        expect(reply).to_be_hidden()
        page.keyboard.press("c")
        expect(reply).to_be_visible()
    page.reload()
    expect(summary).to_have_text("1 reply")


def test_continued_thread_links_to_its_top(page, log_in, make_user, make_post, make_comment, stay_on_page):
    post = make_post(content="A long chain")
    chain = [make_comment(post=post, content="Level 1")]
    for level in range(2, 12):
        chain.append(make_comment(parent=chain[-1], content=f"Level {level}"))
    log_in(page, make_user("alice"))
    page.goto(post.get_absolute_url())
    top_link = page.locator(f"#comment-{chain[7].pk}").get_by_role("link", name="Top of thread")
    expect(top_link).to_have_attribute("href", f"#comment-{chain[0].pk}")
    with stay_on_page(page):
        page.get_by_role("link", name="Continue this thread").click()
        loaded = page.locator(f"#comment-{chain[8].pk}")
        expect(loaded).to_be_visible()
        expect(loaded.get_by_role("link", name="Top of thread")).to_have_attribute(
            "href", f"#comment-{chain[0].pk}"
        )
        expect(loaded).to_be_focused()
        page.keyboard.press("t")
        assert focused_id(page) == f"comment-{chain[0].pk}"


def test_older_posts_have_an_address_and_back_resumes_the_keys(
    page, live_server, log_in, make_user, make_post
):
    posts = [make_post(content=f"Post number {n}") for n in range(23)]
    newest_first = [f"post-{p.pk}" for p in reversed(posts)]
    log_in(page, make_user("alice"))
    page.goto("/")
    for _ in range(3):
        page.keyboard.press("j")
    assert focused_id(page) == newest_first[2]

    page.get_by_role("link", name="Older posts").click()
    expect(page.locator("#post-list > article")).to_have_count(23)
    expect(page).to_have_url(re.compile(r"/\?cursor="))
    older_url = page.url
    assert focused_id(page) == newest_first[20]
    page.keyboard.press("j")
    assert focused_id(page) == newest_first[21]

    # Open that post, come back: j goes on from it.
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{posts[1].get_absolute_url()}")
    page.go_back()
    expect(page).to_have_url(older_url)
    expect(page.locator(f"#{newest_first[21]}")).to_be_visible()
    page.keyboard.press("j")
    assert focused_id(page) == newest_first[22]

    # Back once more, to the first page: from where the reader was there.
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(f"#{newest_first[2]}")).to_be_visible()
    page.keyboard.press("j")
    assert focused_id(page) == newest_first[3]


def test_character_counter_speaks_near_the_limit(page, log_in, discussion):
    d = discussion
    log_in(page, d.alice)
    page.goto(d.post.get_absolute_url())
    field = page.get_by_label("Add a comment")
    expect(field).to_have_attribute("maxlength", "10000")
    form = page.locator("#comment-form-top")
    shown = form.locator("[data-char-count]")
    spoken = form.locator("[data-char-count-live]")
    expect(shown).to_have_text("10,000 characters left")
    expect(spoken).to_have_attribute("aria-live", "polite")
    field.press_sequentially("Hello")
    expect(shown).to_have_text("9,995 characters left")
    page.wait_for_timeout(1_000)
    expect(spoken).to_have_text("")

    field.fill("x" * 9_990)
    field.press_sequentially("abcdefghijkl")  # two more than fit
    expect(field).to_have_value(re.compile(r"^x{9990}abcdefghij$"))
    expect(shown).to_have_text("0 characters left")
    expect(spoken).to_have_text("0 characters left")

    # A reply box loaded in place counts too.
    page.locator(f"#comment-{d.top.pk}").get_by_role("link", name="Reply").click()
    expect(page.locator(f"#reply-slot-{d.top.pk} [data-char-count]")).to_have_text("10,000 characters left")
