"""
Search over posts and visible comments.

On PostgreSQL, full-text search: the words are a `websearch` query ("quoted
phrases", `or`, `-excluded`) against `to_tsvector('english', content)`,
which a GIN index of that expression serves (migration 0012), ranked by
`SearchRank`, with the matching words marked by `SearchHeadline`. On SQLite,
where none of that exists, every word must appear (`icontains`), newest
first, and the words are marked in Python. `@name` limits the search to one
author. Posts and comments come back in one ranked list from one query (a
UNION), a bounded number of pages deep. Deleted posts are gone from the
table and only visible comments are searched, so neither ever shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models import F, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from ..links import url_for
from ..models import Comment, Post

SEARCH_PAGE_SIZE = 20
# Pages beyond this are not served: a search is for finding, and OFFSET
# costs grow with depth.
SEARCH_MAX_PAGES = 10
# Longer queries are cut: nobody types more, and PostgreSQL refuses words
# longer than its lexemes can hold.
QUERY_MAX_LENGTH = 200
SEARCH_CONFIG = "english"
# What PostgreSQL's headline wraps the matches in, before the text is
# escaped: private-use characters, which escaping leaves alone.
_START, _STOP = "\ue000", "\ue001"
_AUTHOR = re.compile(r"(?:^|\s)@(\S+)")
# Control characters (NUL above all, which PostgreSQL refuses in text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SNIPPET_CHARS = 300


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


def _rows(model, terms: SearchTerms, on_postgresql: bool):
    queryset = model.objects.all() if model is Post else Comment.objects.visible()
    if terms.author:
        queryset = queryset.filter(author__username__iexact=terms.author)
    kind = model._meta.model_name
    post_id = F("id") if model is Post else F("post_id")
    fields = {
        "kind": Value(kind),
        "item_post_id": post_id,
        "author_name": F("author__username"),
    }
    if on_postgresql and terms.words:
        vector = SearchVector("content", config=SEARCH_CONFIG)
        query = SearchQuery(terms.words, search_type="websearch", config=SEARCH_CONFIG)
        queryset = queryset.annotate(document=vector).filter(document=query)
        fields["rank"] = SearchRank(vector, query)
        fields["snippet"] = SearchHeadline(
            "content",
            query,
            config=SEARCH_CONFIG,
            start_sel=_START,
            stop_sel=_STOP,
            max_words=40,
            min_words=15,
            max_fragments=2,
        )
    else:
        for word in terms.words.split():
            queryset = queryset.filter(content__icontains=word)
        fields["rank"] = Value(0.0, output_field=models.FloatField())
        fields["snippet"] = F("content")
    return queryset.order_by().values("id", "created_at", **fields)


def search(raw_query: str | None, *, page: int = 1) -> tuple[SearchTerms, list[SearchResult], bool]:
    """
    The terms read from `raw_query`, one page of matching posts and visible
    comments (best rank first, then newest, then by kind and id), and
    whether another page follows. No query at all for empty terms or a
    page out of range; otherwise one.
    """
    terms = parse_query(raw_query)
    if not terms or not 1 <= page <= SEARCH_MAX_PAGES:
        return terms, [], False
    on_postgresql = connection.vendor == "postgresql"
    union = _rows(Post, terms, on_postgresql).union(_rows(Comment, terms, on_postgresql), all=True)
    start = (page - 1) * SEARCH_PAGE_SIZE
    rows = list(union.order_by("-rank", "-created_at", "kind", "-id")[start : start + SEARCH_PAGE_SIZE + 1])
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
                if on_postgresql and terms.words
                else _mark_words(row["snippet"], terms.words)
            ),
        )
        for row in rows[:SEARCH_PAGE_SIZE]
    ]
    return terms, results, has_more


def search_is_ranked() -> bool:
    """Whether results are ranked by relevance (PostgreSQL) or listed newest first (the fallback)."""
    return connection.vendor == "postgresql"
