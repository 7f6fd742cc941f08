"""
The feed's pages: the same keyset cursor as the page's "Older posts" link
(`selectors.feed`), so a page deep in the feed costs what the first does.

`?cursor=C` gives the posts older than C (C is what `next` carries), and
`?before=C` the posts newer than C (what `previous` carries). Both are
opaque to clients; a malformed one is a 400, not a silent first page.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from ..selectors import feed

CURSOR_PATTERN = "^[A-Za-z0-9_-]{1,200}$"

PARAMETERS = [
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": CURSOR_PATTERN},
        description="Show the posts older than this position (from `next`).",
    ),
    OpenApiParameter(
        "before",
        {"type": "string", "pattern": CURSOR_PATTERN},
        description="Show the posts newer than this position (from `previous`).",
    ),
]


def position_parameter(
    request, name: str, *, message: str = "Not a position in the feed: use the `next` or `previous` link."
) -> str | None:
    """The query parameter `name`, a keyset cursor the API gave out; None when absent, 400 otherwise."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if feed.decode_cursor(value) is None:
        raise exceptions.ValidationError({name: [message]})
    return value


def feed_page(request) -> dict:
    """
    One page of the feed for `request` as `FeedPageSerializer` data, its
    posts still model instances. One query, from `selectors.feed`.
    """
    size = settings.COMMUNITY_FEED_PAGE_SIZE
    cursor, before = position_parameter(request, "cursor"), position_parameter(request, "before")
    if cursor is not None and before is not None:
        raise exceptions.ValidationError({"before": ["Give either `cursor` or `before`, not both."]})
    if before is not None:
        posts, newer = feed.feed_page_before(viewer=request.user, cursor=before, size=size)
        # The posts older than this page start at its last post (or, when
        # every newer post is gone, where the client stood).
        older = feed.encode_cursor(posts[-1]) if posts else before
    else:
        posts, older = feed.feed_page(viewer=request.user, cursor=cursor, size=size)
        newer = None
        if cursor is not None:
            newer = feed.encode_cursor(posts[0]) if posts else cursor
    return {
        "results": posts,
        "next": _link(request, "cursor", older),
        "previous": _link(request, "before", newer),
    }


def _link(request, name: str, position: str | None) -> str | None:
    if position is None:
        return None
    return request.build_absolute_uri(f"{request.path}?{name}={position}")
