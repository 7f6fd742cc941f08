"""
Bulk loading: rows streamed with COPY on PostgreSQL, with the table's
secondary indexes and foreign keys dropped during the load and rebuilt after
it; bulk_create in batches elsewhere, which is only sensible for small sizes
(tests, a laptop).
"""

import io
import itertools
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Max

from community.models import Comment, Like, Post

COPY_BATCH_ROWS = 100_000
# COPY's text format spelling of NULL.
NULL = r"\N"
ORM_BATCH_ROWS = 2_000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def copy_text(value):
    """Escape a string for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@contextmanager
def session_settings():
    if not is_postgres():
        yield
        return
    with connection.cursor() as cursor:
        # The site's statement timeout would cancel a COPY of millions of
        # rows; a larger maintenance_work_mem lets index builds sort in memory.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SET maintenance_work_mem = '1GB'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
            cursor.execute("RESET maintenance_work_mem")


@contextmanager
def pending_checks_cleared():
    if not is_postgres():
        yield
        return
    # TRUNCATE and ALTER TABLE refuse to run while deferred foreign-key
    # checks of rows written earlier in the transaction are pending (a
    # test's setup, for one); running those checks now empties the queue.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def empty_community() -> int:
    """Empty the community tables and delete every non-superuser; return how many users went."""
    User = get_user_model()
    if is_postgres():
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (Like, Comment, Post))
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    else:
        Like.objects.all().delete()
        Comment.objects.all().delete()
        Post.objects.all().delete()
    _, deleted = User.objects.filter(is_superuser=False).delete()
    return deleted.get(User._meta.label, 0)


def next_id(model):
    # Ids are assigned here rather than by the database, so comments
    # and likes can refer to rows still being streamed in.
    return (model.objects.aggregate(last=Max("id"))["last"] or 0) + 1


def insert(model, columns, rows, to_line, to_instance, *, progress):
    """Insert the tuples `rows`: with COPY on PostgreSQL, bulk_create elsewhere. Return the count."""
    if not is_postgres():
        count = 0
        while batch := [to_instance(r) for r in itertools.islice(rows, ORM_BATCH_ROWS)]:
            model.objects.bulk_create(batch)
            count += len(batch)
        return count

    quote = connection.ops.quote_name
    table = model._meta.db_table
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        deferred = drop_indexes(cursor, table)
        lines = map(to_line, rows)
        while batch := list(itertools.islice(lines, COPY_BATCH_ROWS)):
            cursor.cursor.copy_expert(sql, io.StringIO("".join(batch)), size=1 << 20)
            count += len(batch)
        progress(f"  {table}: {count:,} rows copied, rebuilding indexes and constraints")
        restore_indexes(cursor, table, deferred)
        if "id" in columns:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {quote(table)}", [table]
            )
    return count


def drop_indexes(cursor, table):
    """
    Drop `table`'s secondary indexes, unique constraints and foreign keys
    and return what is needed to recreate them.

    Building an index once over all rows is much faster than updating it
    row by row, and re-adding a foreign key checks every row in one join
    instead of one lookup per row (Django's foreign keys are deferred,
    so those checks would also queue up in memory until commit). The
    primary key stays. Re-adding the unique constraints fails if the
    data broke them, so they still hold.
    """
    quote = connection.ops.quote_name
    cursor.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
        ORDER BY contype DESC, conname
        """,
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
          )
        ORDER BY c.relname
        """,
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    return constraints, indexes


def restore_indexes(cursor, table, deferred):
    quote = connection.ops.quote_name
    constraints, indexes = deferred
    for _, definition in indexes:
        cursor.execute(definition)
    # Unique constraints first (ordered so above), then foreign keys.
    for name, definition in constraints:
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def analyze():
    """Refresh the planner's statistics (and, outside a transaction, the visibility map)."""
    if not is_postgres():
        return
    User = get_user_model()
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (User, Post, Comment, Like))
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # VACUUM cannot run in a transaction (tests); statistics still help.
            cursor.execute(f"ANALYZE {tables}")
        else:
            # VACUUM sets the visibility map, without which the leaderboard's
            # index-only scan of likes would still visit the table.
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
