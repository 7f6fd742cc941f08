"""What a reader has seen of a post: when they last opened its page."""

from __future__ import annotations

from datetime import datetime

from ..models import PostVisit


def last_visit(*, user, post_id: int) -> datetime | None:
    """When `user` last opened the post's page; None the first time. One query (the unique index)."""
    return PostVisit.objects.filter(user=user, post_id=post_id).values_list("visited_at", flat=True).first()


def new_comment_ids(tree, *, user, since: datetime | None) -> list[int]:
    """
    The visible comments of a thread (a `CommentTree`) written after `since`
    by someone other than `user`, oldest first; none when `since` is None
    (a first visit). No database access.
    """
    if since is None:
        return []
    fresh = [
        node
        for node in tree.by_id.values()
        if node.created_at > since and node.is_visible and node.author_id != user.pk
    ]
    return [node.id for node in sorted(fresh, key=lambda node: (node.created_at, node.id))]
