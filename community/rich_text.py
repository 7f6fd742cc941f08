"""
User text as HTML: CommonMark through markdown-it-py, then sanitised by nh3.

What a post or comment may use: paragraphs and line breaks (a single
newline is a line break, as in the plain text the site showed before),
emphasis, inline code, fenced and indented code blocks, block quotes, lists
and links, web and mail addresses made into links. Raw HTML is shown as
text, not interpreted. Headings and rules are left as the text that was
typed: in a comment they would break the page's outline, and a plain-text
line of dashes or a leading "# " meant nothing special before Markdown.
Images are never loaded (a stranger's image would tell its host who reads
the page): an image becomes a link to it.

The sanitiser is the last word whatever the parser does: only the tags the
features above produce, only `http`, `https` and `mailto` links, each marked
`rel="nofollow ugc noopener"`.
"""

import functools
import re

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

# A post in the feed shows at most this much of its text, then "Read more".
CLIP_CHARS = 600
CLIP_LINES = 10
# The words that name a post (its card's accessible name, a page's description).
FIRST_WORDS_CHARS = 60

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"})
# "*": none on every tag (nh3 would otherwise allow `lang` and `title` everywhere).
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}, "ol": {"start"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


# Every address linkify-it finds has one of these: a scheme, "www.", an "@",
# or a dot between a word and a domain's letters.
_MAY_HOLD_AN_ADDRESS = re.compile(r"://|www\.|@|\w\.[^\W\d_]{2}", re.IGNORECASE)


class _Linkify(LinkifyIt):
    """
    linkify-it, asked only about text that may hold an address: its own
    test runs large patterns over every text, most of which holds none.
    """

    def pretest(self, text: str) -> bool:
        return _MAY_HOLD_AN_ADDRESS.search(text) is not None and super().pretest(text)


def _image_as_link(renderer, tokens, idx, options, env):
    """An image as a link to it, named by its description (or its address when it has none)."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    label = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(label)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": True})
    md.linkify = _Linkify()
    md.enable("linkify")
    # Character references stay the text that was typed ("&lt;" shows as
    # "&lt;", as it did before Markdown), so what a reader sees is what the
    # author wrote; backslash escapes still work.
    md.disable(["heading", "lheading", "hr", "entity"])
    md.add_render_rule("image", _image_as_link)
    return md


_MARKDOWN = _parser()
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(LINK_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


# A thread page shows the same texts to every reader, and parsing plus
# sanitising costs far more than a dictionary lookup: the HTML is memoised
# per text.
@functools.lru_cache(maxsize=4096)
def render(text: str) -> str:
    """`text` (Markdown) as sanitised HTML, safe to put in a page as it is."""
    return _CLEANER.clean(_MARKDOWN.render(text))


def _cut_at_word(text: str, limit: int) -> str:
    """`text` up to `limit` characters, ending at the end of a word when the cut falls inside one."""
    cut = text[:limit]
    if len(text) > limit and not text[limit].isspace():
        whole_words = re.match(r"(?s)(.*\S)\s+\S*$", cut)
        if whole_words:
            cut = whole_words.group(1)
    return cut.rstrip()


@functools.lru_cache(maxsize=1024)
def clip(text: str) -> tuple[str, bool]:
    """
    The start of `text` for the feed (at most CLIP_LINES lines and about
    CLIP_CHARS characters, cut at a word boundary) and whether anything was
    cut. The source is cut, not the HTML, so the rendering is well-formed
    whatever the cut falls in; "…" marks the cut.
    """
    lines = text.split("\n")
    short = "\n".join(lines[:CLIP_LINES])
    if len(short) <= CLIP_CHARS and len(lines) <= CLIP_LINES:
        return text, False
    return _cut_at_word(short, CLIP_CHARS) + "…", True


@functools.lru_cache(maxsize=1024)
def first_words(text: str) -> str:
    """The first words of `text` on one line, about FIRST_WORDS_CHARS long, "…" when cut."""
    flat = " ".join(text.split())
    if len(flat) <= FIRST_WORDS_CHARS:
        return flat
    return _cut_at_word(flat, FIRST_WORDS_CHARS) + "…"
