"""
Replies to you: comments answering your comments and posts, by other people.

Derived from the comment rows (`CommentQuerySet.replies_to`, read from
`comment_reply_to_idx`) and the person's `InboxMark`: a reply written after
the mark's `read_up_to` is unread. Nothing is counted ahead of time, so a
deleted or removed reply simply drops out of the list and the count.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q, Subquery, Value
from django.db.models.functions import Coalesce

from ..models import Comment, InboxMark
from .feed import decode_cursor, encode_cursor

# Replies per page of the inbox.
INBOX_PAGE_SIZE = 25
# The mark of someone who has never opened the inbox: every reply is unread.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _read_up_to(user):
    """The person's mark as an expression (a subquery run once), NEVER without one."""
    mark = InboxMark.objects.filter(user=user).values("read_up_to")[:1]
    return Coalesce(Subquery(mark), Value(NEVER))


# The header shows up to this many unread replies, and "99+" beyond: it is
# polled by every signed-in tab, so it counts no further than it shows.
UNREAD_SHOWN_MAX = 99


def unread_count(user, *, up_to: int | None = None) -> int:
    """
    How many replies to `user` came after their mark, counting no further
    than `up_to` when given. One query, on `comment_reply_to_idx`.
    """
    unread = Comment.objects.replies_to(user).filter(created_at__gt=_read_up_to(user))
    if up_to is not None:
        unread = unread.order_by()[:up_to]
    return unread.count()


def inbox_page(*, user, cursor: str | None, size: int = INBOX_PAGE_SIZE) -> tuple[list[Comment], str | None]:
    """
    One page of replies to `user`, newest first, after `cursor` (the feed's
    keyset cursor of `(created_at, id)`), each with its author, its post
    and the post's author, the comment it answers and that comment's
    author, and `unread` (written after the mark); and the next page's
    cursor, None at the end. One query.
    """
    replies = (
        Comment.objects.replies_to(user)
        .select_related("author", "post__author", "parent__author")
        .annotate(unread=Q(created_at__gt=_read_up_to(user)))
        .order_by("-created_at", "-id")
    )
    position = decode_cursor(cursor)
    if position is not None:
        created_at, pk = position
        replies = replies.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(id__lt=pk)
        )
    page = list(replies[: size + 1])
    next_cursor = encode_cursor(page[size - 1]) if len(page) > size else None
    return page[:size], next_cursor
