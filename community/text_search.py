"""
The text-search document of posts and comments, shared by the site's search
(`selectors.search`) and the moderation admin's.

On PostgreSQL every post and comment row has a stored `search_vector`,
`to_tsvector('english', content)`, which the database computes on each
insert and each change of the text, and a GIN index over it (migration
0013). It is not a model field, so no other query reads it; `Document()`
names it in a query. SQLite has no text search: `is_available()` says
whether the database has it, and callers fall back to matching the text.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections
from django.db.models import Expression, QuerySet

SEARCH_CONFIG = "english"
VECTOR_COLUMN = "search_vector"
# The field the stored vector is made of, in posts and comments alike.
INDEXED_FIELD = "content"


class Document(Expression):
    """The stored text-search vector of the query's own rows (PostgreSQL only)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name(VECTOR_COLUMN)}", []


def is_available(queryset: QuerySet) -> bool:
    """Whether `queryset`'s database has the stored vectors (PostgreSQL)."""
    return connections[queryset.db].vendor == "postgresql"


def web_query(words: str) -> SearchQuery:
    """A search box's words as PostgreSQL reads them: "quoted phrases", `or`, `-excluded`."""
    return SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)


def phrase_query(text: str) -> SearchQuery:
    """Every word of `text`, in that order: one word, or a quoted phrase."""
    return SearchQuery(text, search_type="phrase", config=SEARCH_CONFIG)


def matching(queryset: QuerySet, query: SearchQuery) -> QuerySet:
    """The rows of `queryset` whose document matches `query`, found through the GIN index."""
    return queryset.alias(search_document=Document()).filter(search_document=query)
