"""User text as HTML (community.rich_text): the Markdown a post may use, and nothing unsafe."""

import html
from html.parser import HTMLParser

import pytest

from community.rich_text import ALLOWED_TAGS, LINK_REL, render
from community.templatetags.community import rich_text


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(fragment: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(fragment)
    return parser.tags


def assert_safe(fragment: str):
    for tag, attrs in tags_of(fragment):
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= {"href", "rel", "start"}, (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].split(":", 1)[0].lower() in {"http", "https", "mailto"} or attrs[
                "href"
            ].startswith("/"), attrs
            assert attrs["rel"] == LINK_REL


# --- What authors can use -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*soft* and **loud**", "<p><em>soft</em> and <strong>loud</strong></p>"),
        ("run `make test` now", "<p>run <code>make test</code> now</p>"),
        ("```python\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("> quoted\n\nanswer", "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>answer</p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. first\n2. second", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"),
        (
            "[the docs](https://example.org/docs)",
            f'<p><a href="https://example.org/docs" rel="{LINK_REL}">the docs</a></p>',
        ),
    ],
)
def test_markdown_features(text, expected):
    assert render(text).strip() == expected


def test_plain_text_reads_as_before_paragraphs_line_breaks_and_bare_links():
    out = render(
        "First line\nsecond line\n\nNew paragraph: see https://example.org/a?b=1&c=2 or www.example.com"
    )
    assert out.startswith("<p>First line<br>\nsecond line</p>\n<p>New paragraph: see ")
    assert (
        f'<a href="https://example.org/a?b=1&amp;c=2" rel="{LINK_REL}">https://example.org/a?b=1&amp;c=2</a>'
        in out
    )
    assert f'<a href="http://www.example.com" rel="{LINK_REL}">www.example.com</a>' in out


def test_mail_addresses_become_mailto_links():
    assert f'<a href="mailto:maya@example.org" rel="{LINK_REL}">maya@example.org</a>' in render(
        "write to maya@example.org"
    )


@pytest.mark.parametrize("text", ["# Not a heading", "Title\n=====", "a line\n---", "&lt;b&gt; &amp;"])
def test_headings_rules_and_character_references_stay_as_typed(text):
    out = render(text)
    assert tags_of(out) == [(tag, attrs) for tag, attrs in tags_of(out) if tag in {"p", "br"}]
    assert html.unescape(out.replace("<br>", "")).replace("<p>", "").replace("</p>", "").strip() == text


# --- What it never lets through ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "<javascript:alert(1)>",
        "[click][x]\n\n[x]: javascript:alert(1)",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](file:///etc/passwd)",
    ],
)
def test_links_other_than_web_and_mail_never_get_an_href(text):
    out = render(text)
    assert_safe(out)
    assert "javascript:" not in [attrs.get("href", "") for _, attrs in tags_of(out)]
    assert all(
        attrs.get("href", "").split(":")[0].lower() in {"http", "https", "mailto", ""}
        for _, attrs in tags_of(out)
    )


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<div>\n<b>bold</b>\n</div>",
        "<!-- comment -->",
        "text <svg/onload=alert(1)> more",
        "<iframe src=x></iframe>",
        '<p style="color:red" onclick="x()">styled</p>',
    ],
)
def test_raw_html_is_shown_as_text(text):
    out = render(text)
    assert_safe(out)
    # Only the paragraph, its line breaks, and a web address made into a link.
    assert {tag for tag, _ in tags_of(out)} <= {"p", "br", "a"}
    assert text.replace("\n", "") in html.unescape(out).replace("<br>", "").replace("\n", "")


def test_an_image_becomes_a_link_to_it():
    out = render("![a cat](https://example.org/cat.png)")
    assert out.strip() == f'<p><a href="https://example.org/cat.png" rel="{LINK_REL}">a cat</a></p>'
    assert "<img" not in render("![](https://example.org/cat.png)")
    assert 'href="https://example.org/cat.png">https://example.org/cat.png</a>' in render(
        "![](https://example.org/cat.png)"
    ).replace(f' rel="{LINK_REL}"', "")


@pytest.mark.parametrize(
    "text",
    [
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "![x](javascript:alert(1))",
        '![x" onerror="alert(1)](https://example.org/a.png)',
        "![<script>alert(1)</script>](https://example.org/a.png)",
    ],
)
def test_images_with_hostile_sources_or_descriptions_are_harmless(text):
    out = render(text)
    assert_safe(out)
    assert "<img" not in out and "data:" not in [attrs.get("href", "")[:5] for _, attrs in tags_of(out)]


def test_nested_quotes_stay_nested_and_safe():
    out = render("> " * 10 + "deep <script>x</script>")
    assert_safe(out)
    assert out.count("<blockquote>") == out.count("</blockquote>") == 10
    assert "&lt;script&gt;" in out
    # Past the parser's nesting limit, the rest is dropped, never left unbalanced.
    deeper = render("> " * 500 + "deep")
    assert_safe(deeper)
    assert deeper.count("<blockquote>") == deeper.count("</blockquote>")
    assert_safe(render("> a\n> > b\n> > > [c](javascript:x)\n> > > > ![d](data:x)"))


def test_the_filter_marks_its_html_safe_and_memoises():
    first = rich_text("see https://a.example/ <b>")
    assert first is rich_text("see https://a.example/ <b>") or first == rich_text(
        "see https://a.example/ <b>"
    )
    assert hasattr(first, "__html__")
    assert 'href="https://b.example/"' in rich_text("see https://b.example/ <b>")
