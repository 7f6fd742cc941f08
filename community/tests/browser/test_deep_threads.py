"""
Deep threads that fit a phone (390 × 844): indentation stops growing and a
level marker takes over, reply forms fit, thread lines can be seen, targets
are big enough to hit, and the feed's leaderboard does not move the page.
"""

import pytest
from playwright.sync_api import expect

from community.models import Post
from community.services import likes as like_services
from community.tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

# Any CSS colour (Tailwind's are oklch) as sRGB, through a canvas, and WCAG's contrast ratio.
CONTRAST = """([fore, back]) => {
  const rgb = (color) => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, 1, 1);
    return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
  };
  const luminance = (color) => {
    const [r, g, b] = rgb(color).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [l1, l2] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
  return (l1 + 0.05) / (l2 + 0.05);
}"""


@pytest.fixture
def chain(make_user, make_post, make_comment):
    """A post with a reply chain eight levels deep (one page's window), read by alice."""
    alice = make_user("alice")
    post = make_post(content="How deep can a thread go?")
    comments = [make_comment(post=post, content="Level 1")]
    for level in range(2, 9):
        comments.append(make_comment(parent=comments[-1], content=f"Level {level} of the chain"))
    return alice, post, comments


def box(locator):
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found


def test_a_deep_thread_fits_a_phone(page, log_in, chain):
    alice, post, comments = chain
    page.set_viewport_size(PHONE)
    log_in(page, alice)
    page.goto(post.get_absolute_url())
    articles = [page.locator(f"#comment-{c.pk}") for c in comments]
    lefts = [box(article)["x"] for article in articles]
    # Four levels step right; from the fifth on, replies stay under the fourth.
    assert lefts[0] < lefts[1] < lefts[2] < lefts[3]
    assert lefts[4:] == [lefts[3]] * 4
    assert box(articles[-1])["width"] >= 300
    # A visible marker says the level where the indentation no longer does.
    expect(articles[3].locator("[data-depth-marker]")).to_have_count(0)
    expect(articles[4].locator("[data-depth-marker]")).to_have_text("↳ level 5")
    expect(articles[7].locator("[data-depth-marker]")).to_be_visible()
    expect(articles[7].locator("[data-depth-marker]")).to_have_text("↳ level 8")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The deepest comment's reply form is whole: its box, Reply and Cancel within the screen.
    articles[-1].get_by_role("link", name="Reply").click()
    slot = page.locator(f"#reply-slot-{comments[-1].pk}")
    expect(slot.locator("textarea")).to_be_focused()
    for part in (
        slot.locator("textarea"),
        slot.get_by_role("button", name="Reply"),
        slot.get_by_role("link", name="Cancel"),
    ):
        found = box(part)
        assert found["x"] >= 0 and found["x"] + found["width"] <= PHONE["width"], part
    assert box(slot.locator("textarea"))["width"] >= 250
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # On a wide screen the marker is not needed: indentation says it.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(articles[7].locator("[data-depth-marker]")).to_be_hidden()
    assert box(articles[7])["x"] > box(articles[3])["x"]


def test_thread_lines_stand_out_from_the_page(page, chain):
    _, post, _ = chain
    page.goto(post.get_absolute_url())
    lines = page.locator("details.replies, ol[id^='replies-']:not(:empty)")
    expect(lines.first).to_be_visible()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    for line in lines.all():
        color = line.evaluate("el => getComputedStyle(el).borderLeftColor")
        assert page.evaluate(CONTRAST, [color, background]) >= 3, color


def test_targets_are_big_enough_and_main_actions_a_finger_high_on_touch(
    new_context, log_in, live_server, chain
):
    alice, post, comments = chain
    context = new_context(has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, alice)
    page.goto(post.get_absolute_url())
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    for target in page.locator(".feed-item footer :is(a, button), summary[data-collapse]").all():
        found = box(target)
        assert found["height"] >= 24 and found["width"] >= 24, (target.inner_text(), found)
    main_actions = [
        page.locator(f"#like-post-{post.pk}-button"),
        page.locator(f"#like-comment-{comments[0].pk}-button"),
        page.locator(f"#comment-{comments[0].pk} [data-reply]"),
        page.get_by_role("button", name="Comment", exact=True),
    ]
    for target in main_actions:
        assert box(target)["height"] >= 44, target
    page.locator(f"#comment-{comments[0].pk} [data-reply]").click()
    slot = page.locator(f"#reply-slot-{comments[0].pk}")
    assert box(slot.get_by_role("button", name="Reply"))["height"] >= 44
    page.goto("/")
    assert box(page.get_by_role("button", name="Post", exact=True))["height"] >= 44
    assert box(page.locator(f"#post-{post.pk}-comments"))["height"] >= 44
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_feed_leaderboard_keeps_its_room_while_it_loads(page, make_user, make_post, viewport):
    for n in range(5):
        author = make_user(f"a-rather-long-username-{n}")
        like_services.like_add(user=make_user(), model=Post, target_id=make_post(author=author).pk)
    page.set_viewport_size(viewport)
    page.goto("/")
    live = page.locator("[data-leaderboard]")
    reserved = live.evaluate("el => parseFloat(getComputedStyle(el).minHeight)")
    expect(live.locator("[data-username]")).to_have_count(5)
    # A full list fits the room kept for it: loading it moved nothing below or beside.
    assert box(live)["height"] == pytest.approx(reserved, abs=0.5)
