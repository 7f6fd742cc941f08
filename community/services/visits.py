"""Recording that a reader opened a post's page."""

from __future__ import annotations

from datetime import datetime

from ..models import PostVisit


def post_visit_record(*, user, post_id: int, at: datetime) -> None:
    """
    Remember that `user` opened the post's page at `at`. One upsert
    (INSERT ... ON CONFLICT DO UPDATE on the unique (user, post)), so two
    tabs opening the page at once cannot collide.
    """
    PostVisit.objects.bulk_create(
        [PostVisit(user=user, post_id=post_id, visited_at=at)],
        update_conflicts=True,
        unique_fields=["user", "post"],
        update_fields=["visited_at"],
    )
