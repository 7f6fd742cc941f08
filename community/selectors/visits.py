"""What a reader has seen of a post: when they last opened its page."""

from __future__ import annotations

from datetime import datetime

from django.db.models import DateTimeField, OuterRef, Subquery, Value

from ..models import PostVisit


def with_last_visit(posts, *, viewer):
    """
    Annotate `last_visit`, when `viewer` last opened each post's page, and
    `previous_visit`, where that visit's page started marking comments new
    (None the first time, and for anonymous readers): subqueries on the
    unique (user, post) index, so a page reads them with the post itself.
    """
    if viewer is None or not viewer.is_authenticated:
        nothing = Value(None, output_field=DateTimeField())
        return posts.annotate(last_visit=nothing, previous_visit=nothing)
    visits = PostVisit.objects.filter(user=viewer, post_id=OuterRef("pk"))
    return posts.annotate(
        last_visit=Subquery(visits.values("visited_at")[:1], output_field=DateTimeField()),
        previous_visit=Subquery(visits.values("previous_visited_at")[:1], output_field=DateTimeField()),
    )


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
