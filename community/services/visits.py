"""Recording that a reader opened a post's page."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection

from ..models import PostVisit

# Visits to a post closer together than this are one reading of it: the
# comments new at the first stay marked new at the others.
READING = timedelta(minutes=30)


def post_visit_record(*, user, post, at: datetime) -> datetime | None:
    """
    Remember that `user` opened `post`'s page at `at` and return the time
    its comments are new since (None at a first visit). A visit less than
    `READING` after the last one (a reload, a return from a reply) is the
    same reading, whose marks start where they started
    (`previous_visited_at`); any other begins a new reading, marked from
    the last visit. A first visit starts the first reading, so comments
    written during it are new at its next reload. `post` carries the
    reader's visits (`selectors.visits.with_last_visit`).

    One statement (INSERT ... ON CONFLICT DO UPDATE on the unique (user,
    post)), so two tabs opening the page at once cannot collide. Written by
    hand rather than with bulk_create, which wraps even one row in a
    transaction of its own: two statements more on every post page.
    """
    reading = post.last_visit is not None and at - post.last_visit < READING
    table = connection.ops.quote_name(PostVisit._meta.db_table)
    sql = (
        f"INSERT INTO {table} (user_id, post_id, visited_at, previous_visited_at) "  # noqa: S608 (a quoted table name)
        "VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (user_id, post_id) DO UPDATE SET previous_visited_at = "
        f"CASE WHEN %s THEN {table}.previous_visited_at ELSE {table}.visited_at END, "
        "visited_at = EXCLUDED.visited_at"
    )
    with connection.cursor() as cursor:
        when = connection.ops.adapt_datetimefield_value(at)
        cursor.execute(sql, [user.pk, post.pk, when, when, reading])
    return post.previous_visit if reading else post.last_visit
