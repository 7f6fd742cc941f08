"""
Accessibility: an axe-core audit of every kind of page, and the structure
axe cannot judge (one h1, landmarks, the skip link, the thread's nesting).
"""

import json
import re

import pytest
from playwright.sync_api import expect

# The site's Content-Security-Policy forbids inline scripts, as it should;
# the audit's own injected script is let through.
pytestmark = [pytest.mark.browser, pytest.mark.browser_context_args(bypass_csp=True)]

# What the audit fails on; "moderate" and "minor" findings are reported, not failed.
FAILING_IMPACTS = {"serious", "critical"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def audit(page, axe_source):
    """Run axe-core on the page as it is now; return the serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def assert_clean(found):
    failures = {name: violations for name, violations in found.items() if violations}
    assert not failures, "serious or critical axe violations:\n" + json.dumps(failures, indent=2)


@pytest.fixture
def deep_thread(discussion, make_comment, make_like):
    """The discussion with a reply chain deeper than one page shows, some likes and a deleted comment."""
    d = discussion
    parent = d.nested
    for level in range(4, 13):
        parent = make_comment(parent=parent, content=f"Reply at level {level}")
    for n in range(3):
        make_comment(parent=d.top, content=f"Another reply, number {n}")
    gone = make_comment(parent=d.second, author=d.bob, content="Deleted later")
    make_comment(parent=gone, author=d.carol, content="A reply to a deleted comment")
    gone.state = gone.State.DELETED
    gone.save()
    make_like(d.alice, d.post)
    make_like(d.carol, d.post)
    make_like(d.bob, d.top)
    return d


def pages(d):
    return {
        "feed": "/",
        "post page with a deep thread": d.post.get_absolute_url(),
        "comment page": d.nested.get_absolute_url(),
        "leaderboard": "/leaderboard/",
        "profile": "/u/carol/",
        "reply page": f"/comments/{d.top.pk}/reply/",
    }


def test_pages_have_no_serious_violations_when_logged_in(page, log_in, axe_source, deep_thread):
    log_in(page, deep_thread.alice)
    found = {}
    for name, path in pages(deep_thread).items():
        page.goto(path)
        if path == "/":
            expect(page.locator("[data-leaderboard-list]")).to_be_visible()
        found[name] = audit(page, axe_source)
    # Open states too: the help dialog, and an inline reply form.
    page.goto(deep_thread.post.get_absolute_url())
    page.locator(f"#comment-{deep_thread.top.pk}").get_by_role("link", name="Reply").click()
    expect(page.locator(f"#reply-slot-{deep_thread.top.pk} textarea")).to_be_focused()
    found["inline reply form"] = audit(page, axe_source)
    page.keyboard.press("Escape")
    page.locator("body").focus()
    page.get_by_role("button", name="Keys").click()
    found["keyboard help"] = audit(page, axe_source)
    assert_clean(found)


def test_pages_have_no_serious_violations_when_logged_out(page, js_errors, axe_source, deep_thread):
    found = {}
    for name, path in {
        **pages(deep_thread),
        "log in": "/accounts/login/",
        "sign up": "/accounts/signup/",
    }.items():
        if name == "reply page":
            continue  # asks to log in first
        page.goto(path)
        found[name] = audit(page, axe_source)
    # Forms with their errors shown.
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("x")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    found["sign up with errors"] = audit(page, axe_source)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in").click()
    found["log in with errors"] = audit(page, axe_source)
    assert all("status of 400" in error for error in js_errors)  # the forms' answers
    js_errors.clear()
    assert_clean(found)


def test_phone_width_has_no_serious_violations(page, log_in, axe_source, deep_thread):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, deep_thread.alice)
    found = {}
    for name, path in pages(deep_thread).items():
        page.goto(path)
        found[name] = audit(page, axe_source)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{name} scrolls sideways"
        )
    assert_clean(found)


def test_page_structure(page, log_in, deep_thread):
    d = deep_thread
    log_in(page, d.alice)
    for path in pages(d).values():
        page.goto(path)
        expect(page.locator("h1")).to_have_count(1)
        expect(page.get_by_role("banner")).to_have_count(1)
        expect(page.get_by_role("main")).to_have_count(1)
        expect(page.get_by_role("contentinfo")).to_have_count(1)
        expect(page.get_by_role("navigation", name="Site")).to_have_count(1)
        expect(page.locator("html")).to_have_attribute("lang", "en")

    # The skip link is the first stop of Tab, visible when focused, and leads to the content.
    page.goto(d.post.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # The thread is nested lists whose items say where they are.
    root = page.locator("#comments-root")
    top = root.locator(f":scope > li > #comment-{d.top.pk}")
    expect(top).to_contain_text("Level 1, reply 1 of 2")
    expect(top).to_have_accessible_name(re.compile(r"^Level 1, reply 1 of 2: carol\b"))
    expect(root.locator(f":scope > li > details > ol > li > #comment-{d.reply.pk}")).to_contain_text(
        "Level 2, reply 1 of 4"
    )
    expect(root.locator(f"#comment-{d.nested.pk}")).to_contain_text("Level 3, reply 1 of 1")
    expect(page.get_by_role("list", name="Discussion")).to_be_visible()


def test_reduced_motion_is_respected(page, discussion):
    page.goto(discussion.post.get_absolute_url())
    fade = """() => {
        const probe = document.createElement("div");
        probe.className = "htmx-indicator";
        document.body.append(probe);
        const seconds = parseFloat(getComputedStyle(probe).transitionDuration);
        probe.remove();
        return seconds;
    }"""
    assert page.evaluate(fade) == pytest.approx(0.2)
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(fade) < 0.001
    assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_dark_mode_has_no_serious_violations(page, js_errors, log_in, axe_source, deep_thread, viewport):
    d = deep_thread
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme="dark")
    log_in(page, d.alice)
    found = {}
    for name, path in pages(d).items():
        page.goto(path)
        if path == "/":
            expect(page.locator("[data-leaderboard-list]")).to_be_visible()
        # Dark really is on: a dark page, light text.
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != page.evaluate(
            "getComputedStyle(document.body).color"
        )
        found[name] = audit(page, axe_source)
    # The states with colours of their own: an open reply form, a form's error, the focused comment.
    page.goto(d.post.get_absolute_url())
    page.locator(f"#comment-{d.top.pk}").get_by_role("link", name="Reply").click()
    expect(page.locator(f"#reply-slot-{d.top.pk} textarea")).to_be_focused()
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_label("Add a comment")).to_have_attribute("aria-invalid", "true")
    found["forms open, with an error"] = audit(page, axe_source)
    page.goto(d.nested.get_absolute_url())
    found["a comment's own page"] = audit(page, axe_source)
    assert all("400" in error for error in js_errors)  # the empty comment's answer
    js_errors.clear()
    assert_clean(found)


def test_dark_mode_follows_the_system_setting(page, discussion):
    page.goto(discussion.post.get_absolute_url())
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light != dark
    brightness = page.evaluate(
        """color => {
          const canvas = document.createElement("canvas");
          canvas.width = canvas.height = 1;
          const ctx = canvas.getContext("2d");
          ctx.fillStyle = color;
          ctx.fillRect(0, 0, 1, 1);
          const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
          return (r + g + b) / 3;
        }""",
        dark,
    )
    assert brightness < 64, dark
