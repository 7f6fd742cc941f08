"""What a reader has seen of a post: when they last opened its page."""

from __future__ import annotations

from datetime import datetime

from django.db.models import DateTimeField, OuterRef, Subquery, Value

from ..models import PostVisit


def with_last_visit(posts, *, viewer, previous: bool = False):
    """
    Annotate `last_visit`: when `viewer` last opened each post's page (None
    the first time, and for anonymous readers), as a subquery on the unique
    (user, post) index, so a page reads it with the post itself. With
    `previous`, the visit before that instead: where the last visit's page
    started marking comments new, for the thread's other pages.
    """
    if viewer is None or not viewer.is_authenticated:
        return posts.annotate(last_visit=Value(None, output_field=DateTimeField()))
    field = "previous_visited_at" if previous else "visited_at"
    visited = PostVisit.objects.filter(user=viewer, post_id=OuterRef("pk")).values(field)[:1]
    return posts.annotate(last_visit=Subquery(visited, output_field=DateTimeField()))


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
