"""Marking replies as read: moving a person's `InboxMark` forward."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

from ..models import InboxMark


def inbox_mark_read(*, user, up_to: datetime | None = None) -> None:
    """
    Mark the replies to `user` written up to `up_to` (by default, now) as
    read. The mark only moves forward: an older `up_to` (a page opened in
    an old tab, two requests racing) leaves a later mark as it is. One
    atomic upsert (INSERT ... ON CONFLICT DO UPDATE), which PostgreSQL and
    SQLite both run, so concurrent requests cannot lose the later time.
    """
    up_to = up_to or timezone.now()
    table = connection.ops.quote_name(InboxMark._meta.db_table)
    user_column = connection.ops.quote_name(InboxMark._meta.get_field("user").column)
    time_column = connection.ops.quote_name(InboxMark._meta.get_field("read_up_to").column)
    sql = (
        f"INSERT INTO {table} ({user_column}, {time_column}) VALUES (%s, %s) "  # noqa: S608 - quoted names
        f"ON CONFLICT ({user_column}) DO UPDATE SET {time_column} = CASE "
        f"WHEN excluded.{time_column} > {table}.{time_column} THEN excluded.{time_column} "
        f"ELSE {table}.{time_column} END"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, connection.ops.adapt_datetimefield_value(up_to)])
