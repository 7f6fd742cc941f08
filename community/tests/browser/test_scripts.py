"""
The front end's own files (static/js/behaviors/, one per behaviour) share
nothing through the window: they talk through DOM events and data
attributes. Only the libraries' own names are added.
"""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LIBRARIES = {"htmx", "Idiomorph"}

# What the page's scripts added to the window: its own names, less those of
# a fresh same-origin window, less frame indexes.
ADDED_NAMES = """() => {
  const frame = document.createElement("iframe");
  document.body.append(frame);
  const builtIn = new Set(Object.keys(frame.contentWindow));
  frame.remove();
  return Object.keys(window).filter((name) => !builtIn.has(name) && !/^\\d+$/.test(name));
}"""


def test_scripts_add_no_globals_but_the_libraries(page, log_in, discussion):
    log_in(page, discussion.alice)
    for path in ("/", discussion.post.get_absolute_url()):
        page.goto(path)
        # Every behaviour has run: the buttons only JavaScript shows are shown.
        expect(page.get_by_role("button", name="Keys")).to_be_visible()
        assert set(page.evaluate(ADDED_NAMES)) == LIBRARIES, path
    # ...and still after behaviours have talked (like, announce).
    page.locator(f"#like-post-{discussion.post.pk}-button").click()
    expect(page.locator("#announcer")).to_contain_text("Liked.")
    assert set(page.evaluate(ADDED_NAMES)) == LIBRARIES
