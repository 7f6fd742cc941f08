"""Search over posts and comments."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..selectors import search as search_selectors
from .base import int_or_none


@require_safe
def search(request):
    """
    Posts and visible comments matching `q`, a page at a time (`page`, at
    most `SEARCH_MAX_PAGES`). Any text gives a page: empty, punctuation,
    quotes or thousands of characters, never an error.
    """
    raw = request.GET.get("q", "")
    page = int_or_none(request.GET.get("page")) or 1
    terms, results, has_more = search_selectors.search(raw, page=page)
    context = {
        "q": raw[: search_selectors.QUERY_MAX_LENGTH],
        "terms": terms,
        "results": results,
        "page": page,
        "has_more": has_more,
        "past_last_page": page > search_selectors.SEARCH_MAX_PAGES,
        "max_pages": search_selectors.SEARCH_MAX_PAGES,
        "ranked": search_selectors.search_is_ranked(),
    }
    return render(request, "community/search.html", context)
