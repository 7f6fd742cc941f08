"""
The feed: posts newest first, a page at a time after a keyset cursor.

The cursor is the last shown post's `(created_at, id)`, so a page deep in
the feed costs what the first one does (an index range scan on
`post_feed_idx`), and posts written meanwhile never shift a page.
`feed_page_before` walks the same keyset the other way, for a link back to
newer posts.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from django.db.models import Q

from ..models import MAX_ID, Post


def encode_cursor(post) -> str:
    raw = f"{post.created_at.isoformat()}|{post.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """
    `(created_at, id)` from a feed cursor; None for a missing or malformed
    one. The time comes back in UTC: Python parses offsets that PostgreSQL
    refuses (beyond ±15:59), and a cursor must never reach the database in
    a form it cannot read.
    """
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        created_at = datetime.fromisoformat(stamp)
        pk = int(pk)
        if created_at.tzinfo is None or created_at.utcoffset() is None:
            return None
        created_at = created_at.astimezone(UTC)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        return None
    if not 0 < pk <= MAX_ID:
        return None
    return created_at, pk


def feed_page(*, viewer, cursor: str | None, size: int) -> tuple[list[Post], str | None]:
    """
    One page of `size` posts after `cursor` (the first page without one),
    with `like_count`, `liked` (by `viewer`), `comment_count` and the
    author; and the cursor of the next page, None at the end. One query.
    """
    posts = Post.objects.with_counts(viewer).newest_first()
    position = decode_cursor(cursor)
    if position is not None:
        created_at, pk = position
        # The first condition lets PostgreSQL start an index range scan at
        # the cursor; the second breaks ties within one timestamp.
        posts = posts.filter(created_at__lte=created_at).filter(Q(created_at__lt=created_at) | Q(id__lt=pk))
    page = list(posts[: size + 1])
    next_cursor = encode_cursor(page[size - 1]) if len(page) > size else None
    return page[:size], next_cursor


def feed_page_before(*, viewer, cursor: str, size: int) -> tuple[list[Post], str | None]:
    """
    The `size` posts just newer than `cursor`, newest first, with the same
    annotations as `feed_page`; and the cursor for the posts newer still
    (to pass here again), None when this page starts the feed. A missing or
    malformed cursor gives the first page. One query: the same index,
    scanned backwards from the cursor.
    """
    posts = Post.objects.with_counts(viewer).order_by("created_at", "id")
    position = decode_cursor(cursor)
    if position is None:
        return feed_page(viewer=viewer, cursor=None, size=size)[0], None
    created_at, pk = position
    posts = posts.filter(created_at__gte=created_at).filter(Q(created_at__gt=created_at) | Q(id__gt=pk))
    page = list(posts[: size + 1])
    newer_cursor = encode_cursor(page[size - 1]) if len(page) > size else None
    return page[:size][::-1], newer_cursor
