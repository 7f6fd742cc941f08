"""Recording that a reader opened a post's page."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from ..models import PostVisit


def post_visit_record(*, user, post_id: int, at: datetime) -> None:
    """
    Remember that `user` opened the post's page at `at`, and keep the
    visit before as `previous_visited_at`. One statement (INSERT ... ON
    CONFLICT DO UPDATE on the unique (user, post)), so two tabs opening the
    page at once cannot collide. Written by hand rather than with
    bulk_create, which wraps even one row in a transaction of its own: two
    statements more on every post page.
    """
    table = connection.ops.quote_name(PostVisit._meta.db_table)
    sql = (
        f"INSERT INTO {table} (user_id, post_id, visited_at) VALUES (%s, %s, %s) "  # noqa: S608 (a quoted table name)
        "ON CONFLICT (user_id, post_id) DO UPDATE "
        f"SET previous_visited_at = {table}.visited_at, visited_at = EXCLUDED.visited_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, post_id, connection.ops.adapt_datetimefield_value(at)])
