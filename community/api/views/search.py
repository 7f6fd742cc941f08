"""Search: the site's search (`selectors.search`) as JSON."""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from ...links import url_for
from ...selectors import search
from ..errors import error_responses
from ..serializers import AuthorSerializer, absolute, author_data
from .base import ApiView, whole_number_parameter

QUERY = OpenApiParameter(
    "q",
    str,
    description='The words to find, as in the site\'s search box: "a phrase" in quotes, -word to leave '
    "one out, `or` between alternatives, @name for one person's posts and comments. Empty finds nothing.",
)
PAGE = OpenApiParameter(
    "page",
    {"type": "integer", "minimum": 1, "maximum": search.SEARCH_MAX_PAGES},
    description=f"The page of results, {search.SEARCH_PAGE_SIZE} to a page, at most "
    f"{search.SEARCH_MAX_PAGES} pages deep (the `next` link).",
)


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["post", "comment"])
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The post or comment in the API.")
    html_url = serializers.URLField(help_text="Its page on the site.")
    post = serializers.URLField(help_text="The post it is, or is on, in the API.")
    author = AuthorSerializer(allow_null=True, help_text="Null for a deleted account.")
    created_at = serializers.DateTimeField()
    rank = serializers.FloatField(help_text="Relevance: higher is better. 0 where results are not ranked.")
    snippet_html = serializers.CharField(
        help_text="A stretch of the text as HTML: escaped, with the matching words in `mark` elements."
    )


class SearchPageSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The words searched for, without @name, as they were read.")
    author = serializers.CharField(allow_null=True, help_text="The username after @, if any.")
    ranked = serializers.BooleanField(
        help_text="Whether results are ranked by relevance (PostgreSQL) or newest first (SQLite)."
    )
    page = serializers.IntegerField()
    next = serializers.URLField(allow_null=True, help_text="The next page, null on the last one.")
    results = SearchResultSerializer(many=True)


_DATETIME = serializers.DateTimeField()


def page_parameter(request) -> int:
    """The `page` query parameter, 1 when absent; 400 for anything but a page there can be."""
    maximum = search.SEARCH_MAX_PAGES
    message = f"A page is a whole number from 1 to {maximum}."
    return whole_number_parameter(request, "page", maximum=maximum, message=message) or 1


def result_data(request, result: search.SearchResult) -> dict:
    detail = "api:post-detail" if result.kind == "post" else "api:comment-detail"
    return {
        "kind": result.kind,
        "id": result.id,
        "url": absolute(request, url_for(detail, result.id)),
        "html_url": absolute(request, result.url),
        "post": absolute(request, url_for("api:post-detail", result.post_id)),
        "author": author_data(request, result.author) if result.author else None,
        "created_at": _DATETIME.to_representation(result.created_at),
        "rank": result.rank,
        "snippet_html": str(result.snippet),
    }


class SearchView(ApiView):
    @extend_schema(
        operation_id="search",
        summary="Search posts and comments",
        description="Posts and visible comments matching `q`, best matches first, with the matching words "
        "marked: the site's search. On PostgreSQL a word found in thousands of places is ranked among "
        "its newest matches. Deleted and removed content is never found.",
        parameters=[QUERY, PAGE],
        responses={200: SearchPageSerializer, **error_responses(400)},
        tags=["search"],
    )
    def get(self, request):
        page = page_parameter(request)
        raw = request.query_params.get("q", "")
        terms, results, has_more = search.search(raw, page=page)
        next_url = None
        if has_more:
            query = urlencode({"q": raw[: search.QUERY_MAX_LENGTH], "page": page + 1})
            next_url = absolute(request, f"{url_for('api:search')}?{query}")
        return Response(
            {
                "query": terms.words,
                "author": terms.author,
                "ranked": search.search_is_ranked(),
                "page": page,
                "next": next_url,
                "results": [result_data(request, result) for result in results],
            }
        )
