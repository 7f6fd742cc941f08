"""
Search over posts and visible comments.

On PostgreSQL, full-text search: the words are a `websearch` query ("quoted
phrases", `or`, `-excluded`) against each row's stored text-search vector
(`community.text_search`, a GIN index over it), ranked by `SearchRank`
among the newest `RANKED_MATCHES` matches of each kind, with the matching
words marked by `SearchHeadline` in the page's rows. On SQLite, where none
of that exists, every word must appear (`icontains`), newest first, and the
words are marked in Python. `@name` limits the search to one author. Posts
and comments come back in one list (a UNION), a bounded number of pages
deep. Deleted posts are gone from the table and only visible comments are
searched, so neither ever shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchRank
from django.db import models
from django.db.models import F, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from ..links import url_for
from ..models import Comment, Post
from ..text_search import SEARCH_CONFIG, Document, is_available, matching, web_query

SEARCH_PAGE_SIZE = 20
# Pages beyond this are not served: a search is for finding, and OFFSET
# costs grow with depth.
SEARCH_MAX_PAGES = 10
# Longer queries are cut: nobody types more, and PostgreSQL refuses words
# longer than its lexemes can hold.
QUERY_MAX_LENGTH = 200
# A common word is ranked among its newest matches: this many posts and as
# many comments. Ranking all of them would read a tenth of the table for
# a word in one comment of ten.
RANKED_MATCHES = 1_000
# A page of results: one query ranks, one marks the page's matching words.
SEARCH_QUERIES = 2
# What PostgreSQL's headline wraps the matches in, before the text is
# escaped: private-use characters, which escaping leaves alone.
_START, _STOP = "\ue000", "\ue001"
_AUTHOR = re.compile(r"(?:^|\s)@(\S+)")
# Control characters (NUL above all, which PostgreSQL refuses in text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SNIPPET_CHARS = 300
_UNRANKED = Value(0.0, output_field=models.FloatField())
# Best rank first, then newest, then by kind and id: one order for every page.
RESULT_ORDER = ("-rank", "-created_at", "kind", "-id")
HEADLINE_OPTIONS = {
    "config": SEARCH_CONFIG,
    "start_sel": _START,
    "stop_sel": _STOP,
    "max_words": 40,
    "min_words": 15,
    "max_fragments": 2,
}


@dataclass(frozen=True, slots=True)
class SearchTerms:
    words: str  # the text to search for, without the @name
    author: str | None  # the username after @, if any

    def __bool__(self) -> bool:
        return bool(self.words or self.author)


def parse_query(raw: str | None) -> SearchTerms:
    """The words and the `@name` of a search box's text, cleaned and cut to `QUERY_MAX_LENGTH`."""
    text = _CONTROL.sub(" ", (raw or "")[:QUERY_MAX_LENGTH]).replace(_START, "").replace(_STOP, "")
    author = None
    if match := _AUTHOR.search(text):
        author = match.group(1)[:150]
        text = text[: match.start()] + " " + text[match.end() :]
    return SearchTerms(words=" ".join(text.split()), author=author)


@dataclass(frozen=True, slots=True)
class SearchResult:
    kind: str  # "post" or "comment"
    id: int
    post_id: int
    author: str | None
    created_at: datetime
    rank: float
    snippet: SafeString  # the text, escaped, with the matching words in <mark>

    @property
    def url(self) -> str:
        return url_for(f"community:{self.kind}_detail", self.id)


def _mark_words(text: str, words: str) -> SafeString:
    """The SQLite fallback's highlight: `text` escaped, each searched word (any case) in <mark>."""
    terms = sorted(set(re.findall(r"\w+", words)), key=len, reverse=True)
    snippet = Truncator(text).chars(_SNIPPET_CHARS)
    if not terms:
        return escape(snippet)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(snippet):
        parts += [escape(snippet[last : match.start()]), f"<mark>{escape(match.group())}</mark>"]
        last = match.end()
    parts.append(escape(snippet[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def _marked_headline(headline: str) -> SafeString:
    """PostgreSQL's headline, escaped, with its match markers turned into <mark>."""
    html = str(escape(headline)).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only the markers become tags


def _authored(model, terms: SearchTerms):
    """The searchable rows of `model`: every post, visible comments; only `@name`'s if given."""
    queryset = model.objects.all() if model is Post else Comment.objects.visible()
    if terms.author:
        queryset = queryset.filter(author__username__iexact=terms.author)
    return queryset.order_by()


def _described(queryset, **fields):
    """`fields` and what a result shows of its row besides: its kind, post and author."""
    model = queryset.model
    return queryset.values(
        "id",
        "created_at",
        kind=Value(model._meta.model_name),
        item_post_id=F("id") if model is Post else F("post_id"),
        author_name=F("author__username"),
        **fields,
    )


def _ranked_page(terms: SearchTerms, start: int, stop: int) -> list[dict]:
    """
    Rows `start` to `stop` of the ranking, on PostgreSQL, in two queries.

    The first ranks the newest `RANKED_MATCHES` matching posts and as many
    comments. For a rare word those are all its matches, found through the
    GIN index. For a common word PostgreSQL walks the primary key from the
    newest row, testing each stored vector, until it has enough: a short
    walk instead of ranking a tenth of the table. The second marks the
    matching words in the page's rows only: a headline reads the whole text.
    """
    query = web_query(terms.words) if terms.words else None
    branches = []
    for model in (Post, Comment):
        queryset = _authored(model, terms)
        if query is not None:
            queryset = matching(queryset, query)
            rank = SearchRank(Document(), query)
        else:
            rank = _UNRANKED
        ranked = queryset.values("id", "created_at", kind=Value(model._meta.model_name), rank=rank)
        branches.append(ranked.order_by("-id")[:RANKED_MATCHES])
    page = list(branches[0].union(branches[1], all=True).order_by(*RESULT_ORDER)[start:stop])
    if not page:
        return []
    snippet = F("content") if query is None else SearchHeadline("content", query, **HEADLINE_OPTIONS)
    described = [
        _described(model.objects.filter(id__in=[r["id"] for r in page if r["kind"] == kind]), snippet=snippet)
        for model, kind in ((Post, "post"), (Comment, "comment"))
    ]
    found = {(row["kind"], row["id"]): row for row in described[0].union(described[1], all=True)}
    # A row deleted between the two queries is left out.
    return [{**row, **found[row["kind"], row["id"]]} for row in page if (row["kind"], row["id"]) in found]


def _fallback_page(terms: SearchTerms, start: int, stop: int) -> list[dict]:
    """Rows `start` to `stop` on a database without text search: every word in the text, newest first."""
    branches = []
    for model in (Post, Comment):
        queryset = _authored(model, terms)
        for word in terms.words.split():
            queryset = queryset.filter(content__icontains=word)
        branches.append(_described(queryset, rank=_UNRANKED, snippet=F("content")))
    union = branches[0].union(branches[1], all=True)
    return list(union.order_by(*RESULT_ORDER)[start:stop])


def search(raw_query: str | None, *, page: int = 1) -> tuple[SearchTerms, list[SearchResult], bool]:
    """
    The terms read from `raw_query`, one page of matching posts and visible
    comments (best rank first, then newest, then by kind and id), and
    whether another page follows. No query at all for empty terms or a
    page out of range; otherwise `SEARCH_QUERIES`.
    """
    terms = parse_query(raw_query)
    if not terms or not 1 <= page <= SEARCH_MAX_PAGES:
        return terms, [], False
    ranked = search_is_ranked()
    start = (page - 1) * SEARCH_PAGE_SIZE
    read_page = _ranked_page if ranked else _fallback_page
    rows = read_page(terms, start, start + SEARCH_PAGE_SIZE + 1)
    has_more = len(rows) > SEARCH_PAGE_SIZE and page < SEARCH_MAX_PAGES
    results = [
        SearchResult(
            kind=row["kind"],
            id=row["id"],
            post_id=row["item_post_id"],
            author=row["author_name"],
            created_at=row["created_at"],
            rank=row["rank"],
            snippet=(
                _marked_headline(row["snippet"])
                if ranked and terms.words
                else _mark_words(row["snippet"], terms.words)
            ),
        )
        for row in rows[:SEARCH_PAGE_SIZE]
    ]
    return terms, results, has_more


def search_is_ranked() -> bool:
    """Whether results are ranked by relevance (PostgreSQL) or listed newest first (the fallback)."""
    return is_available(Post.objects.all())
