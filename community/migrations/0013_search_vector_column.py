"""
Posts and comments keep their text-search vector in a stored column,
`search_vector`, which PostgreSQL computes on every insert and every change
of `content` (a generated column), with a GIN index over it. The indexes of
migration 0012 covered the expression instead; they found the matching rows
as fast, but every ranked match, and every row a search walked past, had its
vector computed again from the text. With it stored, search can rank the
newest matches of a common word by walking the newest rows (see
`community.text_search`).

The column is not a model field: Django never reads it (a thread page does
not carry every comment's vector) and never writes it (PostgreSQL does).
Adding a generated column rewrites the table under an exclusive lock
(46 s for the benchmark's million comments on 2 cores, while reads and
writes of the table wait), so this migration belongs in a quiet moment. The indexes are then built CONCURRENTLY (hence a
non-atomic migration). SQLite has no text search: nothing is made there.
"""

from django.db import migrations

TABLES = {
    "community_post": ("post_search_vector_idx", "post_search_idx"),
    "community_comment": ("comment_search_vector_idx", "comment_search_idx"),
}
VECTOR = "to_tsvector('english'::regconfig, COALESCE(content, ''::text))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (index, old_index) in TABLES.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
            f"GENERATED ALWAYS AS ({VECTOR}) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table} USING gin (search_vector)"
        )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {old_index}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (index, old_index) in TABLES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {old_index} ON {table} USING gin ({VECTOR})"
        )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("community", "0012_search_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
